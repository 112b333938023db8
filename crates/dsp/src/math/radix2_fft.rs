//! A small real-input FFT for power-of-two lengths, in plain `f32` arithmetic.
//!
//! [`RealFft`] transforms `n` real samples (`n` a power of two, ≥ 4) with one iterative
//! radix-2 complex FFT of length `n/2` (the even/odd packing) and returns the one-sided
//! spectrum `X[k] = Σ x[i]·e^{−2πiki/n}`, `k = 0..=n/2`, unnormalised (as
//! `numpy.fft.rfft`). Twiddles and the bit-reversal table are made once; a transform
//! allocates nothing.
//!
//! It exists beside `rustfft` for one reason: every operation is a plain IEEE `f32`
//! add or multiply in a fixed order, with no runtime SIMD dispatch, so the result has the
//! same bits natively and in WebAssembly (the VAD's decisions in `vad.wasm` equal the
//! native ones exactly).

/// A real-input FFT of one fixed power-of-two length.
#[derive(Debug, Clone)]
pub struct RealFft {
    n: usize,
    /// Twiddles of the complex FFT, stage after stage: the stage with butterflies of half
    /// size `h` uses `e^{−iπj/h}`, `j = 0..h`, stored at `h − 1 ..`.
    twiddle_re: Vec<f32>,
    twiddle_im: Vec<f32>,
    /// `e^{−2πik/n}` for `k = 0..=n/4` (the real unpacking's twiddles).
    unpack: Vec<(f32, f32)>,
    /// Bit-reversed index of every position of the `n/2`-point complex FFT.
    reversed: Vec<u32>,
    /// Work buffers (split real and imaginary parts): the packed input
    /// `x[2m] + i·x[2m+1]`, then its FFT.
    re: Vec<f32>,
    im: Vec<f32>,
}

impl RealFft {
    /// An FFT of `n` real samples; `n` must be a power of two ≥ 4.
    pub fn new(n: usize) -> Self {
        assert!(
            n >= 4 && n.is_power_of_two(),
            "RealFft needs a power-of-two length >= 4, got {n}"
        );
        let half = n / 2;
        let bits = half.trailing_zeros();
        let reversed = (0..half as u32)
            .map(|i| {
                if bits == 0 {
                    0
                } else {
                    i.reverse_bits() >> (32 - bits)
                }
            })
            .collect();
        let (mut twiddle_re, mut twiddle_im) = (Vec::new(), Vec::new());
        let mut h = 1;
        while h < half {
            for j in 0..h {
                let angle = -std::f64::consts::PI * j as f64 / h as f64;
                twiddle_re.push(angle.cos() as f32);
                twiddle_im.push(angle.sin() as f32);
            }
            h *= 2;
        }
        let unpack = (0..=n / 4)
            .map(|k| {
                let angle = -std::f64::consts::TAU * k as f64 / n as f64;
                (angle.cos() as f32, angle.sin() as f32)
            })
            .collect();
        Self {
            n,
            twiddle_re,
            twiddle_im,
            unpack,
            reversed,
            re: vec![0.0; half],
            im: vec![0.0; half],
        }
    }

    /// The one-sided spectrum of `input` (`n` samples): real parts into `re`, imaginary
    /// parts into `im` (`n/2 + 1` bins each).
    pub fn forward(&mut self, input: &[f32], re: &mut [f32], im: &mut [f32]) {
        let half = self.n / 2;
        assert!(
            input.len() == self.n && re.len() == half + 1 && im.len() == half + 1,
            "RealFft: buffer lengths"
        );
        for (i, &r) in self.reversed.iter().enumerate() {
            self.re[r as usize] = input[2 * i];
            self.im[r as usize] = input[2 * i + 1];
        }
        self.complex_in_place();
        // X[k] = E[k] + W^k·O[k], E[k] = (Z[k] + conj Z[h−k])/2, O[k] = (Z[k] − conj Z[h−k])/2i;
        // X[h−k] = conj(E[k] − W^k·O[k]).
        let (zr, zi) = (&self.re, &self.im);
        re[0] = zr[0] + zi[0];
        im[0] = 0.0;
        re[half] = zr[0] - zi[0];
        im[half] = 0.0;
        for k in 1..=half / 2 {
            let (ar, ai) = (zr[k], zi[k]);
            let (br, bi) = (zr[half - k], zi[half - k]);
            let (er, ei) = (0.5 * (ar + br), 0.5 * (ai - bi));
            let (or, oi) = (0.5 * (ai + bi), -0.5 * (ar - br));
            let (wr, wi) = self.unpack[k];
            let (tr, ti) = (wr * or - wi * oi, wr * oi + wi * or);
            re[k] = er + tr;
            im[k] = ei + ti;
            re[half - k] = er - tr;
            im[half - k] = -(ei - ti);
        }
    }

    /// Iterative decimation-in-time radix-2 FFT of the work buffers (already in
    /// bit-reversed order), split real/imaginary so the butterflies vectorise.
    fn complex_in_place(&mut self) {
        let half = self.re.len();
        // Stage 1 (twiddle 1).
        for (r, i) in self.re.chunks_exact_mut(2).zip(self.im.chunks_exact_mut(2)) {
            let (ar, ai, br, bi) = (r[0], i[0], r[1], i[1]);
            (r[0], i[0], r[1], i[1]) = (ar + br, ai + bi, ar - br, ai - bi);
        }
        // Stage 2 (twiddles 1 and −i).
        if half >= 4 {
            for (r, i) in self.re.chunks_exact_mut(4).zip(self.im.chunks_exact_mut(4)) {
                let (a0r, a0i, a1r, a1i) = (r[0], i[0], r[1], i[1]);
                let (b0r, b0i, b1r, b1i) = (r[2], i[2], r[3], i[3]);
                // b1·(−i) = (b1i, −b1r)
                (r[0], i[0], r[2], i[2]) = (a0r + b0r, a0i + b0i, a0r - b0r, a0i - b0i);
                (r[1], i[1], r[3], i[3]) = (a1r + b1i, a1i - b1r, a1r - b1i, a1i + b1r);
            }
        }
        // Stages with 4 and 8 butterflies per group: fixed sizes, fully unrolled and
        // vectorised; then the general loop (16 and more per group).
        if half >= 8 {
            stage_fixed::<4>(
                &mut self.re,
                &mut self.im,
                &self.twiddle_re[3..7],
                &self.twiddle_im[3..7],
            );
        }
        if half >= 16 {
            stage_fixed::<8>(
                &mut self.re,
                &mut self.im,
                &self.twiddle_re[7..15],
                &self.twiddle_im[7..15],
            );
        }
        let mut h = 16;
        while h < half {
            let (wr, wi) = (
                &self.twiddle_re[h - 1..2 * h - 1],
                &self.twiddle_im[h - 1..2 * h - 1],
            );
            for (r, i) in self
                .re
                .chunks_exact_mut(2 * h)
                .zip(self.im.chunks_exact_mut(2 * h))
            {
                let (ar, br) = r.split_at_mut(h);
                let (ai, bi) = i.split_at_mut(h);
                butterflies(ar, ai, br, bi, wr, wi);
            }
            h *= 2;
        }
    }
}

/// One group of radix-2 butterflies: `a ± w·b`, element by element.
#[inline(always)]
fn butterflies(
    ar: &mut [f32],
    ai: &mut [f32],
    br: &mut [f32],
    bi: &mut [f32],
    wr: &[f32],
    wi: &[f32],
) {
    let h = ar.len();
    // Every slice exactly `h` long: no bounds checks, the loop vectorises.
    let (ai, br, bi, wr, wi) = (&mut ai[..h], &mut br[..h], &mut bi[..h], &wr[..h], &wi[..h]);
    for j in 0..h {
        let tr = wr[j] * br[j] - wi[j] * bi[j];
        let ti = wr[j] * bi[j] + wi[j] * br[j];
        br[j] = ar[j] - tr;
        bi[j] = ai[j] - ti;
        ar[j] += tr;
        ai[j] += ti;
    }
}

/// A whole stage of groups of `H` butterflies, `H` known at compile time so the
/// [`butterflies`] kernel is unrolled and vectorised for it.
#[inline(always)]
fn stage_fixed<const H: usize>(re: &mut [f32], im: &mut [f32], wr: &[f32], wi: &[f32]) {
    let (wr, wi): (&[f32; H], &[f32; H]) = (wr.try_into().unwrap(), wi.try_into().unwrap());
    for (r, i) in re.chunks_exact_mut(2 * H).zip(im.chunks_exact_mut(2 * H)) {
        let (ar, br) = r.split_at_mut(H);
        let (ai, bi) = i.split_at_mut(H);
        butterflies(ar, ai, br, bi, wr, wi);
    }
}

#[cfg(test)]
mod tests {
    use super::RealFft;

    #[test]
    fn matches_the_direct_dft() {
        for n in [4usize, 8, 64, 512, 1024] {
            let mut seed = 0x2545_f491_4f6c_dd1du64;
            let input: Vec<f32> = (0..n)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    (seed % 2001) as f32 / 1000.0 - 1.0
                })
                .collect();
            let mut fft = RealFft::new(n);
            let (mut re_out, mut im_out) = (vec![0.0; n / 2 + 1], vec![0.0; n / 2 + 1]);
            fft.forward(&input, &mut re_out, &mut im_out);
            for (k, (&re, &im)) in re_out.iter().zip(&im_out).enumerate() {
                let (mut er, mut ei) = (0.0f64, 0.0f64);
                for (i, &x) in input.iter().enumerate() {
                    let a = -std::f64::consts::TAU * (k * i) as f64 / n as f64;
                    er += f64::from(x) * a.cos();
                    ei += f64::from(x) * a.sin();
                }
                let tol = 1e-4 * (n as f64).sqrt();
                assert!(
                    (f64::from(re) - er).abs() < tol && (f64::from(im) - ei).abs() < tol,
                    "n {n} bin {k}"
                );
            }
        }
    }
}
