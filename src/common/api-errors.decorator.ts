import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiResponse } from '@nestjs/swagger';
import { STATUS_CODES } from 'node:http';

/** The body of every error (OAuth endpoints excepted: RFC 6749 `{error, error_description}`). */
export class ErrorResponseDto {
  @ApiProperty({ example: 401 })
  statusCode!: number;

  @ApiProperty({ example: 'Unauthorized' })
  error!: string;

  @ApiProperty({ oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }], example: 'Invalid refresh token' })
  message!: string | string[];

  @ApiProperty({
    required: false,
    enum: [
      'invalid',
      'expired',
      'idle_expired',
      'absolute_expired',
      'revoked',
      'reused',
      'insufficient_role',
      'insufficient_scope',
      'disabled',
      'last_admin',
      'token_too_large',
      'invalid_token',
      'csrf',
      'reauthentication_required',
      'invalid_credentials',
    ],
  })
  reason?: string;

  @ApiProperty({ required: false, enum: ['reauthenticate', 'refresh'] })
  action?: string;
}

/** Documents the error statuses a route can answer, all with ErrorResponseDto. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: STATUS_CODES[status], type: ErrorResponseDto })));
}
