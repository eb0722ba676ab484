/**
 * Characters XML 1.0 allows nowhere, not even escaped: C0 controls but tab, newline and carriage
 * return (an ANSI colour code in a log line, a NUL), U+FFFE, U+FFFF and lone surrogates. A
 * junit.xml holding one is not XML, and CI rejects the whole file.
 */
const NOT_XML = /[\x00-\x08\x0B\x0C\x0E-\x1F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Text made safe inside HTML, SVG and XML elements and double-quoted attributes: the run's report.html and junit.xml, and the gate's junit.xml. */
export function escapeMarkup(text: string): string {
  return text.replace(NOT_XML, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
