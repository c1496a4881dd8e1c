// citation-js ships no types; this declares the small part bibgraph uses.
declare module '@citation-js/core' {
  export const plugins: {
    config: { get(name: string): unknown };
    output: { format(name: string, data: unknown[], options?: Record<string, unknown>): unknown };
  };
}

declare module '@citation-js/plugin-csl';
