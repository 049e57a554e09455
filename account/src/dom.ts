/** The few DOM helpers every part of the page uses: text only, never markup. */
export const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
export const show = (id: string, visible: boolean) => ($(id).hidden = !visible);

export function say(id: string, text: string | null): void {
  $(id).textContent = text ?? '';
  show(id, Boolean(text));
}

export function element<K extends keyof HTMLElementTagNameMap>(tag: K, text?: string, className?: string): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

export function field(form: HTMLFormElement, name: string): string {
  return (form.elements.namedItem(name) as HTMLInputElement).value;
}

/** A form's submit, with its button disabled until the handler is done. */
export function onSubmit(id: string, handler: (form: HTMLFormElement) => Promise<void>): void {
  const form = $<HTMLFormElement>(id);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]') as HTMLButtonElement;
    button.disabled = true;
    void handler(form).finally(() => (button.disabled = false));
  });
}
