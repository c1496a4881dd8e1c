/**
 * A value as a log line may show it: at most `max` characters, the rest counted, never dumped.
 * A 20 MB request body must not become 20 MB of log.
 */
export function boundedForLog(text: string, max = 500): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… (${text.length - max} more characters)`;
}
