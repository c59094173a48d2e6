/**
 * The few strftime(3) conversions rpm's queries use, as the C/POSIX locale spells them,
 * in the process's local time zone (rpm calls localtime_r; Node's Date follows TZ too).
 * Other locales spell %c differently: the engine answers as `LC_ALL=C rpm` does.
 */
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

const pad2 = (n: number): string => String(n).padStart(2, '0');

/**
 * Formats `seconds` (since the epoch) with `%a %b %d %e %H %M %S %Y %c %%`; other
 * conversions are copied as they stand. Returns '' when the time is out of range, as
 * rpm prints nothing when localtime fails.
 *
 * @example
 * strftimeC('%a %b %d %Y', 0n); // 'Thu Jan 01 1970' with TZ=UTC
 */
export function strftimeC(format: string, seconds: bigint): string {
  if (seconds > 8_640_000_000_000n) return '';
  const d = new Date(Number(seconds) * 1000);
  if (Number.isNaN(d.getTime())) return '';
  let out = '';
  for (let i = 0; i < format.length; i++) {
    const c = format[i];
    if (c !== '%' || i + 1 >= format.length) { out += c; continue; }
    const k = format[++i];
    switch (k) {
      case 'a': out += DAYS[d.getDay()]; break;
      case 'b': out += MONTHS[d.getMonth()]; break;
      case 'd': out += pad2(d.getDate()); break;
      case 'e': out += String(d.getDate()).padStart(2, ' '); break;
      case 'H': out += pad2(d.getHours()); break;
      case 'M': out += pad2(d.getMinutes()); break;
      case 'S': out += pad2(d.getSeconds()); break;
      case 'Y': out += String(d.getFullYear()); break;
      case 'c': out += strftimeC('%a %b %e %H:%M:%S %Y', seconds); break;
      case '%': out += '%'; break;
      default: out += `%${k}`;
    }
  }
  return out;
}
