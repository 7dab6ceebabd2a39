/** ASCII codes the text parsers compare bytes against. */
export const ZERO = 48;
export const NINE = 57;
export const MINUS = 45;
export const PLUS = 43;
export const DOT = 46;
export const LOWER_E = 101;
export const UPPER_E = 69;
export const NEWLINE = 10;
export const RETURN = 13;
export const SPACE = 32;
export const TAB = 9;
