import { Module } from '@nestjs/common';
import { AccountPageController } from './account-page.controller';

/** GET /account: a user's own devices, in a browser. Talks to the API over HTTP only, like any app. */
@Module({ controllers: [AccountPageController] })
export class AccountPageModule {}
