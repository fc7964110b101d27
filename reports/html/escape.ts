/**
 * Escaping for the single-file report (measurement.md §7.3 "Inline safely"): text and
 * attributes as HTML entities; inline scripts with `</script` and `<!--` broken up; JSON data
 * blocks with `<` and the JavaScript line terminators U+2028/U+2029 as `\u` escapes, so
 * `JSON.parse(textContent)` gets the document back unchanged.
 */

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** Script source safe to place between `<script>` and `</script>`. */
export function inlineScriptText(source: string): string {
  return source.replace(/<\/script/gi, '<\\/script').replace(/<!--/g, '<\\!--');
}

/** JSON safe inside `<script type="application/json">`: no `<` at all, no raw U+2028/U+2029. */
export function jsonScriptText(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** An id or class made of `[a-z0-9-]` only (anything else becomes `-`). */
export function safeToken(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}
