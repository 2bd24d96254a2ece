/**
 * Spreadsheet formula injection: text that a spreadsheet would read as a formula (it begins with
 * =, +, -, @, a tab or a carriage return) gets a leading apostrophe, so Excel and LibreOffice
 * show it as text. Names, e-mails, products and rules come from the API and the directory, so
 * none of them may become a formula. Plain numbers ("-5", "-12.34") stay numbers.
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

export function neutralizeText(value: string): string {
  return FORMULA_START.test(value) && !PLAIN_NUMBER.test(value) ? `'${value}` : value;
}
