"""Memory stays flat over 100,000 calls.

RSS is read from /proc/self/statm after a warm-up (so that the
allocator's arenas, the library's tables and Python's caches are in
place), then after 100,000 more calls, a tenth of them raising an error.
The bound is 4 MiB: a leak of one output buffer (over 100 bytes) or of one
exception per call would add 10 MB or more, while the allocator's own
fluctuation measured here is well under 1 MiB."""
import zhfix
from conftest import rss_bytes

CALLS = 100_000
LIMIT = 4 << 20

RECORDS = [("美媒称马斯克与普京定期进行“秘密对话”,克宫回应。当地时间10月24日," * 2).encode(),
           "這是繁體中文的句子，測試記憶體。".encode(),
           "abc\xff\xfe 中文".encode("utf-8", "surrogateescape") + b"\xff\xfe",
           b"caf\xc3\xa9, " + "中文".encode("gbk")]


def _loop(f, n):
    for i in range(n):
        if i % 10 == 9:
            try:
                f.fix(b"bin\x00ary")
            except zhfix.BinaryInputError:
                pass
        else:
            f.fix(RECORDS[i % len(RECORDS)])
            if i % 100 == 0:
                f.stats, f.spans, f.warnings  # noqa: B018 - the accessors too


def test_memory_flat():
    f = zhfix.Fixer()
    _loop(f, 20_000)
    zhfix.fix("warm", to="simp")
    before = rss_bytes()
    _loop(f, CALLS)
    for i in range(CALLS // 10):          # the module function and its cache
        zhfix.fix(RECORDS[i % len(RECORDS)], to="simp" if i % 2 else "keep")
    grown = rss_bytes() - before
    assert grown < LIMIT, f"RSS grew by {grown} bytes over {CALLS} calls"


def test_big_documents():
    # The output buffer kept between calls is given back after a document
    # of more than 1 MiB, and big documents do not add up.
    # (The first two let malloc settle: glibc raises its mmap threshold
    # after freeing a big block and keeps later ones in its heap.)
    f = zhfix.Fixer()
    for _ in range(2):
        assert len(f.fix(b"x" * (8 << 20))) == 8 << 20
        assert f._c.cap <= 1 << 20
    before = rss_bytes()
    for _ in range(10):
        f.fix(b"y" * (8 << 20))
    assert rss_bytes() - before < LIMIT
