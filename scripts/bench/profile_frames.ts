/** V8 profile call frames (CPU and sampling-heap profiles share the shape) and how the bench scripts name them. */
export interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

/** `function path:line`, the path shortened to the project folder (or node_modules) it lies in. */
export function frameLabel(f: CallFrame): string {
  const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(server|scripts|common|node_modules)\//, '$1/');
  return `${f.functionName || '(anonymous)'} ${file ? `${file}:${f.lineNumber + 1}` : ''}`.trim();
}
