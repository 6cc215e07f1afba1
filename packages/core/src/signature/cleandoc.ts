/** Python's `inspect.cleandoc`: drop blank edge lines, dedent all but the first line. */
export function cleandoc(text: string): string {
  const lines = text.replaceAll('\t', '        ').split('\n');
  const indents = lines
    .slice(1)
    .filter((line) => line.trim().length > 0)
    .map((line) => line.length - line.trimStart().length);
  const margin = indents.length > 0 ? Math.min(...indents) : 0;
  const cleaned = [lines[0]!.trimStart(), ...lines.slice(1).map((line) => line.slice(margin))];
  while (cleaned.length > 0 && cleaned[0]!.trim() === '') cleaned.shift();
  while (cleaned.length > 0 && cleaned[cleaned.length - 1]!.trim() === '') cleaned.pop();
  return cleaned.join('\n');
}
