//! Issue 6, point 5 from Rust: one `Program` shared by 8 `std::thread`s, each loading its own
//! `Runtime`, many executions each, outputs and metrics identical to a single-threaded run.

mod common;

use std::sync::{Arc, Barrier};
use std::thread;

use common::{Mlp, Rng, BATCH, INPUT_DIMS};
use kpu::{Engine, Metrics, Mode, Program, Runtime};

const THREADS: usize = 8;

// The compiler proves what the docs claim: a program is shared, a runtime only moved.
fn shared_between_threads<T: Send + Sync>() {}
fn moved_between_threads<T: Send>() {}

#[test]
fn program_is_send_and_sync_runtime_is_send() {
    shared_between_threads::<Program>();
    moved_between_threads::<Runtime>();
}

fn inputs(count: usize) -> Vec<Vec<f32>> {
    let mut rng = Rng::new(77);
    (0..count).map(|_| (0..BATCH * 784).map(|_| rng.next_f32()).collect()).collect()
}

fn run_once(rt: &mut Runtime, x: &[f32], engine: Engine) -> (Vec<f32>, Metrics, String) {
    let out = rt.execute_f32(&[("x", &INPUT_DIMS, x)], Mode::Functional, engine).expect("execute");
    (out["probs"].clone(), rt.metrics().expect("metrics"), rt.metrics_json().expect("metrics json"))
}

fn shared_program(engine: Engine, runs: usize) {
    let program = Arc::new(Program::compile(&Mlp::new(9).graph(), None).expect("compile"));
    let xs = Arc::new(inputs(5));
    let want: Arc<Vec<_>> = Arc::new(
        xs.iter()
            .map(|x| run_once(&mut Runtime::load(&program, None).expect("load"), x, engine))
            .collect(),
    );
    assert_ne!(want[0].0, want[1].0, "different inputs must give different outputs");
    let bytes = Arc::new(program.serialize().expect("serialize"));
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (program, xs, want, bytes, barrier) =
                (program.clone(), xs.clone(), want.clone(), bytes.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                let mut rt = Runtime::load(&program, None).expect("load");
                for r in 0..runs {
                    let i = (r + t) % xs.len();
                    let (out, metrics, json) = run_once(&mut rt, &xs[i], engine);
                    // to_bits: bit-identical, not merely close.
                    let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
                    assert_eq!(bits(&out), bits(&want[i].0), "thread {t} run {r}: outputs differ");
                    assert_eq!(metrics, want[i].1, "thread {t} run {r}: metrics differ");
                    assert_eq!(json, want[i].2, "thread {t} run {r}: metrics JSON differs");
                    if r % 50 == 0 {
                        // The shared program's read-only calls, while the others execute.
                        assert_eq!(*program.serialize().expect("serialize"), *bytes);
                        assert_eq!(program.inputs().expect("inputs")[0].name, "x");
                    }
                }
            })
        })
        .collect();
    for h in handles {
        h.join().expect("a thread panicked");
    }
}

#[test]
fn shared_program_fast_engine() {
    shared_program(Engine::Fast, 200);
}

#[test]
fn shared_program_dfx_interpreter() {
    shared_program(Engine::DfxInterpreter, 10);
}
