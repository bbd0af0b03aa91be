/**
 * Words and strings at the top of every leaked-password list (and this product's own names),
 * lower case, without digits or symbols around them: `Password123!` and `zamperla2026` are
 * these words with decoration, and the first guesses of anyone who tries.
 */
const COMMON_WORDS = new Set([
  'password',
  'passw0rd',
  'passwort',
  'motdepasse',
  'contrasena',
  'qwerty',
  'qwertz',
  'azerty',
  'qwertyuiop',
  'asdfghjkl',
  'zxcvbnm',
  'qazwsx',
  'qazwsxedc',
  'abc',
  'abcdef',
  'abcdefgh',
  'letmein',
  'welcome',
  'admin',
  'administrator',
  'root',
  'login',
  'secret',
  'master',
  'changeme',
  'default',
  'iloveyou',
  'monkey',
  'dragon',
  'football',
  'baseball',
  'soccer',
  'sunshine',
  'princess',
  'superman',
  'batman',
  'trustno',
  'starwars',
  'whatever',
  'shadow',
  'michael',
  'jennifer',
  'hello',
  'freedom',
  'summer',
  'winter',
  'spring',
  'autumn',
  'zamperla',
  'zra',
  'gardaland',
  'rollercoaster',
]);

/** Keyboard rows and counting, any direction: `123456789012`, `qwertyuiop12`, `0987654321ab`. */
const RUNS = ['01234567890', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiop', 'asdfghjkl', 'zxcvbnm'];

/** Fewer different characters than this is a pattern, not a password (`aaaaaaaaaaaa`, `abababababab`). */
const MIN_DISTINCT = 6;

/**
 * What is wrong with a new password beyond its length (12 characters, checked by the schema),
 * or null: too few different characters, a common password with decoration, a keyboard or
 * counting run, or mostly the username. The sentence says what to choose instead.
 */
export function passwordProblem(password: string, username?: string): string | null {
  const lower = password.normalize('NFC').toLowerCase();
  const advice = 'choose something longer and less guessable, e.g. four unrelated words';
  if (new Set(lower).size < MIN_DISTINCT) {
    return `the password repeats too few different characters: ${advice}`;
  }
  const core = lower.replace(/[^\p{L}\p{N}]/gu, '');
  const stem = core.replace(/^\d+|\d+$/g, '');
  if (COMMON_WORDS.has(core) || COMMON_WORDS.has(stem) || COMMON_WORDS.has(deLeet(stem))) {
    return `the password is a common one with a few characters added: ${advice}`;
  }
  if (isRun(core)) return `the password is a keyboard or counting sequence: ${advice}`;
  const name = username
    ?.trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]/gu, '');
  // The username is the first guess for its own account: what is left without it must still
  // be a password's worth (`alice2026!` is refused, `alice and four more words` is not).
  if (name && name.length >= 3 && core.includes(name) && core.split(name).join('').length < 8) {
    return `the password is mostly the username: ${advice}`;
  }
  return null;
}

/** `p4ssw0rd` → `password`: the substitutions every guessing list tries first. */
function deLeet(text: string): string {
  const map: Record<string, string> = {
    '0': 'o',
    '1': 'i',
    '3': 'e',
    '4': 'a',
    '5': 's',
    '7': 't',
    '@': 'a',
    $: 's',
  };
  return text.replace(/[013457@$]/g, (c) => map[c] ?? c);
}

/** Whether `text` is (mostly) one stretch of a run, forwards or backwards, with at most 2 extra characters. */
function isRun(text: string): boolean {
  if (text.length === 0) return false;
  for (const run of RUNS) {
    for (const line of [run, [...run].reverse().join('')]) {
      for (let len = text.length; len >= Math.max(6, text.length - 2); len--) {
        for (let start = 0; start + len <= text.length; start++) {
          if (line.includes(text.slice(start, start + len))) return true;
        }
      }
    }
  }
  return false;
}
