//! Data parallelism for the parts of the protocol that are the same
//! independent operation over many items (feature `parallel`): HPKE seals
//! to many recipients, signature checks of many leaves, hashing one tree
//! level. Without the feature, or inside a rayon pool of one thread, the
//! items are processed in order on the calling thread.
//!
//! The closures never see the caller's random number generator: callers
//! draw what each item needs first, serially and in item order, so that
//! the output is byte-identical whichever path runs. Errors are reported
//! for the first failing item in item order, as the serial loop would.

use alloc::vec::Vec;

/// True when a call with `len` items would fan out over threads.
#[cfg(feature = "parallel")]
fn fans_out(len: usize, min_len: usize) -> bool {
    len >= 2 * min_len.max(1) && rayon::current_num_threads() > 1
}

/// `items.map(f).collect()`, over rayon's current pool when that is worth
/// it. `min_len` is the fewest items one task takes: a few for public-key
/// operations (tens of microseconds each), dozens for hashes.
pub(crate) fn map<T, R, F>(items: &[T], min_len: usize, f: F) -> Vec<R>
where
    T: Sync,
    R: Send,
    F: Fn(&T) -> R + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if fans_out(items.len(), min_len) {
        use rayon::prelude::*;
        return items
            .par_iter()
            .with_min_len(min_len.max(1))
            .map(f)
            .collect();
    }
    let _ = min_len;
    items.iter().map(f).collect()
}

/// [`map`] for fallible `f`: every item's result, then the first error in
/// item order (the one a serial loop would stop at).
pub(crate) fn try_map<T, R, E, F>(items: &[T], min_len: usize, f: F) -> Result<Vec<R>, E>
where
    T: Sync,
    R: Send,
    E: Send,
    F: Fn(&T) -> Result<R, E> + Sync + Send,
{
    #[cfg(feature = "parallel")]
    if fans_out(items.len(), min_len) {
        return map(items, min_len, f).into_iter().collect();
    }
    let _ = min_len;
    items.iter().map(f).collect()
}

/// Fills `out` chunk by chunk (`chunk` bytes each, the last possibly
/// shorter): `f(i, c)` writes the `i`-th chunk `c`. The chunks are written
/// in parallel when that is worth it; on failure the first error in chunk
/// order is reported (found again serially: failures are rare and `f`
/// only writes its own chunk). No temporary list of results: for tree
/// hashes of a large tree, the output buffer is the only allocation.
pub(crate) fn try_fill<E, F>(out: &mut [u8], chunk: usize, min_len: usize, f: F) -> Result<(), E>
where
    E: Send,
    F: Fn(usize, &mut [u8]) -> Result<(), E> + Sync + Send,
{
    if chunk == 0 {
        return Ok(());
    }
    #[cfg(feature = "parallel")]
    if fans_out(out.len() / chunk, min_len) {
        use rayon::prelude::*;
        let all = out
            .par_chunks_mut(chunk)
            .with_min_len(min_len.max(1))
            .enumerate()
            .try_for_each(|(i, c)| f(i, c));
        if all.is_ok() {
            return Ok(());
        }
    }
    let _ = min_len;
    out.chunks_mut(chunk)
        .enumerate()
        .try_for_each(|(i, c)| f(i, c))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn map_keeps_item_order() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(
            map(&items, 4, |x| x * 2),
            items.iter().map(|x| x * 2).collect::<Vec<_>>()
        );
    }

    #[test]
    fn try_map_reports_the_first_error_in_item_order() {
        let items: Vec<u32> = (0..1000).collect();
        let r: Result<Vec<u32>, u32> =
            try_map(&items, 1, |&x| if x % 300 == 299 { Err(x) } else { Ok(x) });
        assert_eq!(r, Err(299));
        assert_eq!(
            try_map::<_, _, (), _>(&items, 1, |&x| Ok(x)).unwrap(),
            items
        );
    }

    #[test]
    fn try_fill_writes_every_chunk_and_reports_the_first_error() {
        let mut out = alloc::vec![0u8; 4 * 300 + 2];
        try_fill::<(), _>(&mut out, 4, 8, |i, c| {
            c.fill(i as u8);
            Ok(())
        })
        .unwrap();
        assert!(
            out.chunks(4)
                .enumerate()
                .all(|(i, c)| c.iter().all(|&b| b == i as u8))
        );
        let r = try_fill(
            &mut out,
            4,
            1,
            |i, _| if i % 100 == 57 { Err(i) } else { Ok(()) },
        );
        assert_eq!(r, Err(57));
    }

    #[cfg(feature = "parallel")]
    #[test]
    fn fans_out_only_with_threads_and_enough_items() {
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let two = rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap();
        assert!(!one.install(|| fans_out(100, 4)));
        assert!(two.install(|| fans_out(100, 4)));
        assert!(!two.install(|| fans_out(7, 4)));
    }
}
