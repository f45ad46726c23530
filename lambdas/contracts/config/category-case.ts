/**
 * A-Z as a-z, nothing else (dataset.categoryCase "ignore"): ASCII only, so a value's UTF-8 length
 * never changes (the row encoders size their output by the input) and no locale decides. Returns
 * the same string when there is nothing to fold (the common case).
 */
export function foldAsciiCase(text: string): string {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 65 && c <= 90) return text.replace(/[A-Z]+/g, (upper) => upper.toLowerCase());
  }
  return text;
}
