/**
 * Streams text lines (LF or CRLF) from byte chunks with their 1-based numbers: one decode per
 * chunk and indexOf-based splitting, much cheaper than node:readline on large files.
 */
export async function forEachLine(chunks: AsyncIterable<Uint8Array>, onLine: (line: string, lineNumber: number) => void): Promise<void> {
  const decoder = new TextDecoder('utf-8');
  let pending = '';
  let lineNumber = 0;
  const emit = (text: string, atEnd: boolean) => {
    let start = 0;
    for (let end = text.indexOf('\n'); end !== -1; end = text.indexOf('\n', start)) {
      const line = text.charCodeAt(end - 1) === 13 ? text.slice(start, end - 1) : text.slice(start, end);
      onLine(line, ++lineNumber);
      start = end + 1;
    }
    const rest = text.slice(start);
    if (atEnd && rest.length > 0) onLine(rest.endsWith('\r') ? rest.slice(0, -1) : rest, ++lineNumber);
    return atEnd ? '' : rest;
  };
  for await (const chunk of chunks) pending = emit(pending + decoder.decode(chunk, { stream: true }), false);
  emit(pending + decoder.decode(), true);
}
