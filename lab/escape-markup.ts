/** Text made safe inside HTML, SVG and XML elements and double-quoted attributes: the run's report.html and junit.xml, and the gate's junit.xml. */
export function escapeMarkup(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
