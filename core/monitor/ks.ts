/**
 * The two-sample Kolmogorov–Smirnov test, as scipy.stats.ks_2samp(alternative='two-sided',
 * method='auto'): the statistic from one linear merge of two sorted samples; the p-value
 * exact (Hodges' lattice-path count, 1 − p recursion after Viehmann 2021) when both samples
 * have at most 10 000 values, otherwise from the one-sample Kolmogorov distribution with
 * n = round(n1·n2 / (n1 + n2)) (scipy.stats.kstwo.sf, Simard & L'Ecuyer 2011).
 *
 * One deviation from SciPy's branches: for n ≤ 140 and 0.754693 < n·x² ≤ 4 SciPy uses
 * Pomeranz's exact recursion; this uses the Durbin matrix (also exact), so the two agree to
 * rounding. SciPy's scipy.special.smirnov (Cephes) is replaced by the exact
 * Birnbaum–Tingey sum evaluated in logs.
 */
import { logGamma } from './special.js';

export interface KsResult {
  readonly statistic: number;
  readonly pValue: number;
  readonly method: 'exact' | 'asymp';
}

const MAX_EXACT_N = 10_000;

/** The largest gap between the two empirical CDFs; `a` and `b` sorted ascending, without NaN. */
export function ksStatistic(a: Float64Array, b: Float64Array): number {
  const n1 = a.length;
  const n2 = b.length;
  let i = 0;
  let j = 0;
  let max = 0;
  let min = 0;
  while (i < n1 || j < n2) {
    const value = j >= n2 || (i < n1 && a[i]! <= b[j]!) ? a[i]! : b[j]!;
    while (i < n1 && a[i]! <= value) i++;
    while (j < n2 && b[j]! <= value) j++;
    const diff = i / n1 - j / n2;
    if (diff > max) max = diff;
    if (diff < min) min = diff;
  }
  return Math.max(max, Math.min(1, -min));
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

/** Two-sample KS test on sorted samples (both non-empty). */
export function ksTwoSample(a: Float64Array, b: Float64Array): KsResult {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new RangeError('the KS test needs two non-empty samples');
  let d = ksStatistic(a, b);
  if (Math.max(n1, n2) <= MAX_EXACT_N) {
    const g = gcd(n1, n2);
    const lcm = (n1 / g) * n2;
    const h = Math.round(d * lcm);
    d = h / lcm;
    if (h === 0) return { statistic: d, pValue: 1, method: 'exact' };
    const p = n1 === n2 ? probOutsideSquare(n1, h) : outerProbInside(n1, n2, g, h);
    if (p >= 0 && p <= 1) return { statistic: d, pValue: p, method: 'exact' };
  }
  const m = Math.max(n1, n2);
  const n = Math.min(n1, n2);
  const en = Math.round((m * n) / (m + n));
  return { statistic: d, pValue: clip(kolmogorovSurvival(en, d)), method: 'asymp' };
}

const clip = (p: number) => (p < 0 ? 0 : p > 1 ? 1 : p);

/** Pr(D_{n,n} ≥ h/n): paths outside the two diagonals x − y = ±h. */
function probOutsideSquare(n: number, h: number): number {
  let p = 0;
  for (let k = Math.floor(n / h); k >= 0; k--) {
    let p1 = 1;
    for (let j = 0; j < h; j++) p1 = ((n - k * h - j) * p1) / (n + k * h + j + 1);
    p = p1 * (1 - p);
  }
  return 2 * p;
}

/** The share of lattice paths from (0,0) to (m,n) that leave |x/m − y/n| < h/lcm (1 − p recursion). */
function outerProbInside(m0: number, n0: number, g: number, h: number): number {
  const m = Math.max(m0, n0);
  const n = Math.min(m0, n0);
  const mg = m / g;
  const ng = n / g;
  let minj = 0;
  let maxj = Math.min(Math.ceil(h / mg), n + 1);
  let curlen = maxj - minj;
  const lenA = Math.min(2 * maxj + 2, n + 1);
  const A = new Float64Array(Math.max(lenA, n + 2)).fill(1);
  A.fill(0, minj, maxj);
  for (let i = 1; i <= m; i++) {
    const lastminj = minj;
    const lastlen = curlen;
    minj = Math.min(Math.max(Math.floor((ng * i - h) / mg) + 1, 0), n);
    maxj = Math.min(Math.ceil((ng * i + h) / mg), n + 1);
    if (maxj <= minj) return 1;
    let val = minj === 0 ? 0 : 1;
    for (let jj = 0; jj < maxj - minj; jj++) {
      const j = jj + minj;
      val = (A[jj + minj - lastminj]! * i + val * j) / (i + j);
      A[jj] = val;
    }
    curlen = maxj - minj;
    if (lastlen > curlen) A.fill(1, maxj - minj, maxj - minj + (lastlen - curlen));
  }
  return A[maxj - minj - 1]!;
}

/** Pr(D_n ≥ x) for the two-sided one-sample statistic (scipy.stats.kstwo.sf). */
export function kolmogorovSurvival(n: number, x: number): number {
  if (!(n >= 1) || !Number.isInteger(n) || Number.isNaN(x)) return NaN;
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const t = n * x;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let prob: number;
    if (n <= 140) {
      prob = 1;
      for (let i = 1; i <= n; i++) prob *= i * (1 / n) * (2 * t - 1);
    } else prob = Math.exp(logFactorialOverPower(n) + n * Math.log(2 * t - 1));
    return clip(1 - prob);
  }
  if (t >= n - 1) return clip(2 * (1 - x) ** n);
  if (x >= 0.5) return clip(2 * smirnov(n, x));
  const nxSquared = t * x;
  if (n <= 140) {
    if (nxSquared <= 4) return clip(1 - durbinMatrix(n, x));
    return clip(2 * smirnov(n, x));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return clip(2 * smirnov(n, x));
  const cdf = n <= 100_000 && n * x ** 1.5 <= 1.4 ? durbinMatrix(n, x) : pelzGood(n, x);
  return clip(1 - cdf);
}

/** Stirling series coefficients B₂ₖ / (2k(2k − 1)), highest order first (SciPy's _STIRLING_COEFFS). */
const STIRLING = [-3617 / 122400, 1 / 156, -691 / 360360, 1 / 1188, -1 / 1680, 1 / 1260, -1 / 360, 1 / 12];

/** ln(n! / n^n). */
function logFactorialOverPower(n: number): number {
  const rn = 1 / n;
  let poly = 0;
  for (const c of STIRLING) poly = poly * (rn / n) + c;
  return Math.log(n) / 2 - n + Math.log(2 * Math.PI) / 2 + rn * poly;
}

/**
 * Pr(D⁺_n ≥ x), the one-sided Smirnov survival function, by the exact Birnbaum–Tingey sum
 * x Σ_{j ≤ n(1−x)} C(n,j) (1 − x − j/n)^{n−j} (x + j/n)^{j−1}, each term in logs.
 */
export function smirnov(n: number, x: number): number {
  if (x >= 1) return 0;
  if (x <= 0) return 1;
  const last = Math.floor(n * (1 - x));
  const logN = logGamma(n + 1);
  const logs = new Float64Array(last + 1);
  let max = -Infinity;
  for (let j = 0; j <= last; j++) {
    const low = 1 - x - j / n;
    const high = x + j / n;
    let value: number;
    if (low <= 0) value = n - j === 0 ? logN - logGamma(j + 1) - logGamma(n - j + 1) + (j - 1) * Math.log(high) : -Infinity;
    else value = logN - logGamma(j + 1) - logGamma(n - j + 1) + (n - j) * Math.log(low) + (j - 1) * Math.log(high);
    logs[j] = value;
    if (value > max) max = value;
  }
  if (max === -Infinity) return 0;
  let sum = 0;
  for (let j = 0; j <= last; j++) sum += Math.exp(logs[j]! - max);
  return x * Math.exp(max) * sum;
}

const E128 = 2 ** 128;
const EM128 = 2 ** -128;

/** Pr(D_n ≤ d), Durbin's matrix method as in Marsaglia, Tsang & Wang (2003). */
function durbinMatrix(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  const H = new Float64Array(m * m);
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1]!;
  for (let r = 0; r < m; r++) H[r * m] = v[r]!;
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c]!;

  let power: Float64Array = new Float64Array(m * m);
  for (let i = 0; i < m; i++) power[i * m + i] = 1;
  let base: Float64Array = H;
  let exponent = 0;
  let baseExponent = 0;
  let nn = n;
  while (nn > 0) {
    if (nn % 2) {
      power = matmul(power, base, m);
      exponent += baseExponent;
    }
    base = matmul(base, base, m);
    baseExponent *= 2;
    if (Math.abs(base[(k - 1) * m + (k - 1)]!) > E128) {
      for (let i = 0; i < base.length; i++) base[i] = base[i]! / E128;
      baseExponent += 128;
    }
    nn = Math.floor(nn / 2);
  }
  let p = power[(k - 1) * m + (k - 1)]!;
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < EM128) {
      p *= E128;
      exponent -= 128;
    }
  }
  return clip(p * 2 ** exponent);
}

function matmul(a: Float64Array, b: Float64Array, m: number): Float64Array {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k]!;
      if (aik === 0) continue;
      const row = k * m;
      const target = i * m;
      for (let j = 0; j < m; j++) out[target + j]! += aik * b[row + j]!;
    }
  }
  return out;
}

/** Pr(D_n ≤ x) by the Pelz–Good approximation (large n). */
function pelzGood(n: number, x: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const PI2 = Math.PI ** 2;
  const PI4 = Math.PI ** 4;
  const PI6 = Math.PI ** 6;
  const SQRT2PI = Math.sqrt(2 * Math.PI);
  const z = Math.sqrt(n) * x;
  const z2 = z ** 2;
  const z3 = z ** 3;
  const z4 = z ** 4;
  const z6 = z ** 6;
  const qlog = -PI2 / 8 / z2;
  if (qlog < -708) return 0;
  let q = Math.exp(qlog);
  const k1a = -z2;
  const k1b = PI2 / 4;
  const k2a = 6 * z6 + 2 * z4;
  const k2b = ((2 * z4 - 5 * z2) * PI2) / 4;
  const k2c = (PI4 * (1 - 2 * z2)) / 16;
  const k3d = (PI6 * (5 - 30 * z2)) / 64;
  const k3c = (PI4 * (-60 * z2 + 212 * z4)) / 16;
  const k3b = (PI2 * (135 * z4 - 96 * z6)) / 4;
  const k3a = -30 * z6 - 90 * z ** 8;
  const K = [0, 0, 0, 0];
  const maxk = Math.ceil((16 * z) / Math.PI);
  for (let k = maxk; k > 0; k--) {
    const m = 2 * k - 1;
    const m2 = m ** 2;
    const m4 = m ** 4;
    const m6 = m ** 6;
    const qpower = q ** (8 * k);
    const coeffs = [1, k1a + k1b * m2, k2a + k2b * m2 + k2c * m4, k3a + k3b * m2 + k3c * m4 + k3d * m6];
    for (let i = 0; i < 4; i++) K[i] = K[i]! * qpower + coeffs[i]!;
  }
  const divisors = [z, 6 * z4, 72 * z ** 7, 6480 * z ** 10];
  for (let i = 0; i < 4; i++) K[i] = (K[i]! * q * SQRT2PI) / divisors[i]!;
  q = Math.exp(-PI2 / 2 / z2);
  let k2extra = 0;
  let k3extra = 0;
  const sqrt3z = Math.sqrt(3) * z;
  for (let k = maxk; k > 0; k--) {
    const k2 = k * k;
    const qp = q ** k2;
    k2extra += k2 * qp;
    const kpi = Math.PI * k;
    k3extra += (sqrt3z + kpi) * (sqrt3z - kpi) * k2 * qp;
  }
  K[2] = K[2]! + (k2extra * PI2 * SQRT2PI) / (-36 * z3);
  K[3] = K[3]! + (k3extra * PI2 * SQRT2PI) / (216 * z6);
  let sum = 0;
  for (let i = 0; i < 4; i++) sum += K[i]! / n ** (i / 2);
  return sum;
}
