/**
 * The one way this package writes HTML: the `html` template tag escapes every interpolated value
 * unless it is already {@link SafeHtml} (the result of another `html` call or of {@link raw}).
 * Arrays are joined, `null`, `undefined` and `false` render as nothing.
 */

const SAFE = Symbol.for('mlinfra.ui.safeHtml');

/** HTML that is already escaped (or trusted markup written by this package). */
export interface SafeHtml {
  readonly [SAFE]: true;
  readonly value: string;
  toString(): string;
}

function safe(value: string): SafeHtml {
  return { [SAFE]: true, value, toString: () => value };
}

function isSafe(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && (value as SafeHtml)[SAFE] === true;
}

const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"'`]/g, (character) => ENTITIES[character] ?? character);
}

function render(value: unknown): string {
  if (value === null || value === undefined || value === false) return '';
  if (isSafe(value)) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

/** Template tag: `html\`<td>${name}</td>\`` escapes `name`. */
export function html(strings: TemplateStringsArray, ...values: unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let index = 0; index < values.length; index++) {
    out += render(values[index]) + (strings[index + 1] ?? '');
  }
  return safe(out);
}

/** Marks markup written by this package (never user input) as safe. */
export function raw(markup: string): SafeHtml {
  return safe(markup);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>`, `&` and the line separators are
 * written as `\u` escapes, so no string inside can close the script element.
 */
export function jsonScript(id: string, value: unknown): SafeHtml {
  const text = JSON.stringify(value ?? null).replace(
    /[<>&\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return html`<script type="application/json" id="${id}">${raw(text)}</script>`;
}
