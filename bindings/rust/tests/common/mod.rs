//! The MLP used by the integration tests, its deterministic data and a plain-Rust reference.
#![allow(dead_code)] // each test binary uses a different part of this module

use kpu::{Attr, DType, Graph};

pub const BATCH: usize = 4;
/// (in_features, out_features) of each Linear layer.
pub const LAYERS: [(usize, usize); 3] = [(784, 128), (128, 64), (64, 10)];
pub const INPUT_DIMS: [i64; 2] = [BATCH as i64, 784];

/// xorshift64: deterministic across platforms and runs, no dependencies.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// Uniform in [0, 1), from the top 24 bits so the value is exact in f32.
    pub fn next_f32(&mut self) -> f32 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 40) as f32 / (1u64 << 24) as f32
    }

    /// Uniform in [-scale, scale).
    pub fn weights(&mut self, n: usize, scale: f32) -> Vec<f32> {
        (0..n).map(|_| (self.next_f32() * 2.0 - 1.0) * scale).collect()
    }
}

/// One Linear layer in PyTorch layout: w is [out, in], row-major.
pub struct Layer {
    pub w: Vec<f32>,
    pub b: Vec<f32>,
    pub n_in: usize,
    pub n_out: usize,
}

pub struct Mlp {
    pub layers: Vec<Layer>,
}

impl Mlp {
    pub fn new(seed: u64) -> Mlp {
        let mut rng = Rng::new(seed);
        let layers = LAYERS
            .iter()
            .map(|&(n_in, n_out)| Layer {
                w: rng.weights(n_out * n_in, 0.05),
                b: rng.weights(n_out, 0.05),
                n_in,
                n_out,
            })
            .collect();
        Mlp { layers }
    }

    /// Linear -> ReLU -> Linear -> ReLU -> Linear -> Softmax, input "x", output "probs".
    pub fn graph(&self) -> Graph {
        self.graph_with_batch(BATCH)
    }

    pub fn graph_with_batch(&self, batch: usize) -> Graph {
        let mut g = Graph::new("mlp").unwrap();
        g.add_input("x", DType::Float32, &[batch as i64, 784]).unwrap();
        let mut x = "x".to_string();
        for (i, l) in self.layers.iter().enumerate() {
            let (w, b, y) = (format!("fc{i}.weight"), format!("fc{i}.bias"), format!("fc{i}.out"));
            g.add_constant_f32(&w, &[l.n_out as i64, l.n_in as i64], &l.w).unwrap();
            g.add_constant_f32(&b, &[l.n_out as i64], &l.b).unwrap();
            g.add_node("linear", &format!("fc{i}"), &[&x, &w, &b], &[&y], &[]).unwrap();
            x = y;
            if i + 1 < self.layers.len() {
                let r = format!("relu{i}.out");
                g.add_node("relu", &format!("relu{i}"), &[&x], &[&r], &[]).unwrap();
                x = r;
            }
        }
        g.add_node("softmax", "softmax", &[&x], &["probs"], &[Attr::Int("axis", -1)]).unwrap();
        g.add_output("probs").unwrap();
        g
    }

    /// The same network in f64, row by row.
    pub fn reference(&self, input: &[f32], batch: usize) -> Vec<f64> {
        let mut out = Vec::new();
        for row in input.chunks_exact(784).take(batch) {
            let mut x: Vec<f64> = row.iter().map(|&v| v as f64).collect();
            for (i, l) in self.layers.iter().enumerate() {
                let mut y: Vec<f64> = (0..l.n_out)
                    .map(|o| {
                        let w = &l.w[o * l.n_in..(o + 1) * l.n_in];
                        l.b[o] as f64 + w.iter().zip(&x).map(|(&w, &x)| w as f64 * x).sum::<f64>()
                    })
                    .collect();
                if i + 1 < self.layers.len() {
                    y.iter_mut().for_each(|v| *v = v.max(0.0));
                }
                x = y;
            }
            let max = x.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            let sum: f64 = x.iter().map(|v| (v - max).exp()).sum();
            out.extend(x.iter().map(|v| (v - max).exp() / sum));
        }
        out
    }
}

pub fn input(batch: usize) -> Vec<f32> {
    let mut rng = Rng::new(0x5eed_1234);
    (0..batch * 784).map(|_| rng.next_f32()).collect()
}

pub fn max_abs_diff(got: &[f32], want: &[f64]) -> f64 {
    assert_eq!(got.len(), want.len(), "output length");
    got.iter().zip(want).map(|(&g, &w)| (g as f64 - w).abs()).fold(0.0, f64::max)
}
