"""The Merkle tree of a log (RFC 6962, section 2.1), over the events' chain hashes.

Leaf *i* of a log of *n* events is the hash of the event at position *i* + 1. A signed chain
head signs the root of the tree of every event up to its position, so one event can be shown
to be in the signed log with about log2(n) hashes (an inclusion proof), without the others:
the verification bundle carries only some events of the assessment log.

Hashing follows RFC 6962 exactly (a leaf is SHA-256 of 0x00 and the leaf, a node SHA-256 of
0x01 and its children; a tree of n leaves splits at the largest power of two below n), so any
RFC 6962 verifier (Certificate Transparency's, Trillian's) checks our proofs, and the test
vectors of the RFC's reference implementation check ours.

``Frontier`` grows a tree one leaf at a time keeping only the roots of its perfect subtrees
(one per set bit of the size), so a signer extends the last signed tree with the new events
instead of reading the whole log again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(leaf: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf(event_hash: str) -> bytes:
    """The leaf hash of an event: its chain hash (hex) as 32 bytes, hashed as a leaf."""
    return leaf_hash(bytes.fromhex(event_hash))


def _split(size: int) -> int:
    """The largest power of two smaller than ``size`` (RFC 6962's k), for size >= 2."""
    return 1 << ((size - 1).bit_length() - 1)


class Frontier:
    """A Merkle tree as the roots of its perfect subtrees, largest (leftmost) first."""

    __slots__ = ("size", "nodes")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()):
        if size < 0 or len(nodes) != bin(size).count("1"):
            raise ValueError(f"a tree of {size} leaves has {bin(size).count('1')} "
                             f"perfect subtrees, not {len(nodes)}")
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf: bytes) -> None:
        """Add one leaf hash: it merges with every subtree of its own height, like a carry."""
        node, size = leaf, self.size
        while size & 1:
            node = node_hash(self.nodes.pop(), node)
            size >>= 1
        self.nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        root = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            root = node_hash(node, root)
        return root

    def copy(self) -> Frontier:
        return Frontier(self.size, self.nodes)

    def to_hex(self) -> list[str]:
        return [node.hex() for node in self.nodes]

    @classmethod
    def from_hex(cls, size: int, nodes: Iterable[str]) -> Frontier:
        return cls(size, [bytes.fromhex(node) for node in nodes])


def root_of(leaves: Iterable[bytes]) -> bytes:
    """The root of the tree of these leaf hashes (MTH in RFC 6962)."""
    frontier = Frontier()
    for leaf in leaves:
        frontier.append(leaf)
    return frontier.root()


def inclusion_proofs(leaves: Iterator[bytes], size: int,
                     indices: Iterable[int]) -> tuple[bytes, dict[int, list[bytes]]]:
    """The root of the first ``size`` leaf hashes ``leaves`` yields, and the audit path
    (RFC 6962's PATH) of each of ``indices``, in one pass over the leaves: a log is read
    once however many of its events a bundle proves. Raises ValueError for an index
    outside the tree, or when ``leaves`` runs out before ``size``."""
    wanted = sorted(set(indices))
    if wanted and not 0 <= wanted[0] <= wanted[-1] < size:
        raise ValueError(f"indices must be within a tree of {size} leaves")
    paths: dict[int, list[bytes]] = {index: [] for index in wanted}
    if size == 0:
        return EMPTY_ROOT, paths

    def subtree(start: int, count: int, inside: list[int]) -> bytes:
        if not inside:  # nothing to prove here: hash it the cheap way
            frontier = Frontier()
            for _ in range(count):
                frontier.append(_next(leaves))
            return frontier.root()
        if count == 1:
            return _next(leaves)
        half = _split(count)
        left_part = [i for i in inside if i < start + half]
        right_part = inside[len(left_part):]
        left = subtree(start, half, left_part)
        right = subtree(start + half, count - half, right_part)
        for index in left_part:
            paths[index].append(right)
        for index in right_part:
            paths[index].append(left)
        return node_hash(left, right)

    return subtree(0, size, wanted), paths


def _next(leaves: Iterator[bytes]) -> bytes:
    try:
        return next(leaves)
    except StopIteration:
        raise ValueError("the log has fewer leaves than the tree's size") from None


def verify_inclusion(leaf: bytes, index: int, size: int, path: Sequence[bytes],
                     root: bytes) -> bool:
    """Whether ``path`` proves ``leaf`` is leaf ``index`` of the tree of ``size`` leaves
    whose root is ``root`` (RFC 9162, section 2.1.3.2)."""
    if not 0 <= index < size:
        return False
    fn, sn, node = index, size - 1, leaf
    for sibling in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            node = node_hash(sibling, node)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            node = node_hash(node, sibling)
        fn >>= 1
        sn >>= 1
    return sn == 0 and node == root
