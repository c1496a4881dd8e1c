import type { Plugin } from 'graphql-yoga';

/**
 * Headers every answer carries. GraphiQL is a page with a token field: no other site may frame it
 * (clickjacking), and no browser may guess a JSON or RIS download to be HTML.
 */
const HEADERS: Record<string, string> = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "frame-ancestors 'none'",
  'referrer-policy': 'no-referrer',
};

export function securityHeadersPlugin(): Plugin {
  return {
    onResponse({ response }) {
      for (const [name, value] of Object.entries(HEADERS)) {
        if (!response.headers.has(name)) response.headers.set(name, value);
      }
    },
  };
}
