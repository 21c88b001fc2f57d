/** Minimal ANSI styling; identity functions when colour is off. Hand-written: five escape codes do not need a dependency. */
export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  cyan(text: string): string;
  green(text: string): string;
}

const wrap = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;

export function style(color: boolean): Style {
  if (!color) {
    const same = (text: string) => text;
    return { bold: same, dim: same, red: same, yellow: same, cyan: same, green: same };
  }
  return { bold: wrap(1, 22), dim: wrap(2, 22), red: wrap(31, 39), yellow: wrap(33, 39), cyan: wrap(36, 39), green: wrap(32, 39) };
}
