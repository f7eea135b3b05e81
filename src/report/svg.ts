// Characters XML 1.0 forbids even when escaped, and lone UTF-16 surrogates: a parser would reject the
// document. They are dropped rather than replaced by U+FFFD, which parsers flag as an encoding problem.
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|\p{Cs}/gu;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/** Text made safe for both XML content and attribute values. */
export function escapeXml(text: string): string {
  return text.replace(NOT_XML, '').replace(/[&<>"']/g, (c) => ENTITIES[c]);
}

export type Attrs = Record<string, string | number | undefined>;

/** A coordinate to a tenth of a pixel: finer than any screen shows, and it keeps the document small. */
export function coord(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function attrValue(value: string | number): string {
  return typeof value === 'number' ? coord(value) : escapeXml(value);
}

/** One element; `content` is markup already built with `el` or `escapeXml`. Undefined attributes are left out. */
export function el(name: string, attrs: Attrs, content = ''): string {
  const list = Object.entries(attrs)
    .flatMap(([key, value]) => (value === undefined ? [] : [` ${key}="${attrValue(value)}"`]))
    .join('');
  return content === '' ? `<${name}${list}/>` : `<${name}${list}>${content}</${name}>`;
}

// Average glyph width of DejaVu Sans and Helvetica-like fonts, slightly generous; SVG has no text metrics
// before rendering, so layout reserves room by this estimate.
const EM_WIDTH = 0.62;

export function textWidth(text: string, fontSize: number): number {
  return [...text].length * fontSize * EM_WIDTH;
}

/** `text` cut to fit `maxWidth`, ending in an ellipsis when cut. */
export function fitText(text: string, fontSize: number, maxWidth: number): string {
  const chars = [...text];
  const room = Math.max(1, Math.floor(maxWidth / (fontSize * EM_WIDTH)));
  return chars.length <= room ? text : `${chars.slice(0, room - 1).join('')}…`;
}
