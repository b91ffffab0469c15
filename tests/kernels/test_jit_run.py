"""``jit.run`` gives numba the thread count asked for on every call, on every Python thread,
though it only calls numba.set_num_threads when the count changes."""

import threading

import pytest

from hubel.kernels import jit

numba = pytest.importorskip("numba")


@numba.njit
def _threads_inside():
    return numba.get_num_threads()


def test_each_call_runs_on_the_count_it_asks_for():
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has one thread here")
    counts = [1, 2, 2, 1, 1, 2]
    assert [jit.run(_threads_inside, threads=n) for n in counts] == counts


def test_a_new_python_thread_gets_the_count_too():
    """numba's count is per thread: a count set on one thread says nothing of another's."""
    if numba.config.NUMBA_NUM_THREADS < 2:
        pytest.skip("numba has one thread here")
    assert jit.run(_threads_inside, threads=1) == 1
    seen = []
    worker = threading.Thread(target=lambda: seen.append(jit.run(_threads_inside, threads=1)))
    worker.start()
    worker.join()
    assert seen == [1]
    worker = threading.Thread(target=lambda: seen.append(jit.run(_threads_inside, threads=2)))
    worker.start()
    worker.join()
    assert seen == [1, 2]
    assert jit.run(_threads_inside, threads=1) == 1
