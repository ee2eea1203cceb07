"""The log's Merkle tree: RFC 6962 exactly (the reference implementation's test vectors), an
incremental frontier that gives the same roots, and inclusion proofs that fail when anything
in them is changed."""

import hashlib

import pytest

from kernel.merkle import (
    EMPTY_ROOT,
    Frontier,
    inclusion_proofs,
    leaf_hash,
    root_of,
    verify_inclusion,
)

# Certificate Transparency's reference tree (transparency-dev/merkle, testonly/constants.go).
LEAF_INPUTS = [bytes.fromhex(h) for h in (
    "", "00", "10", "2021", "3031", "40414243", "5051525354555657",
    "606162636465666768696a6b6c6d6e6f")]
ROOTS = [
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]
INCLUSION = [  # (index, size, path) from TestRefInclusionProof
    (0, 1, []),
    (0, 2, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7"]),
    (1, 2, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"]),
    (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"]),
    (1, 5, ["6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"]),
    (0, 8, ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"]),
    (5, 8, ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"]),
]
REFERENCE_LEAVES = [leaf_hash(value) for value in LEAF_INPUTS]


def synthetic(count):
    return [leaf_hash(hashlib.sha256(f"event {i}".encode()).digest()) for i in range(count)]


@pytest.mark.parametrize("size", range(9))
def test_roots_match_the_reference_vectors(size):
    assert root_of(REFERENCE_LEAVES[:size]).hex() == ROOTS[size]
    assert EMPTY_ROOT.hex() == ROOTS[0]


@pytest.mark.parametrize("index, size, path", INCLUSION)
def test_inclusion_proofs_match_the_reference_vectors(index, size, path):
    root, paths = inclusion_proofs(iter(REFERENCE_LEAVES), size, [index])
    assert root.hex() == ROOTS[size]
    assert [node.hex() for node in paths[index]] == path
    assert verify_inclusion(REFERENCE_LEAVES[index], index, size,
                            [bytes.fromhex(p) for p in path], bytes.fromhex(ROOTS[size]))


def test_the_frontier_grows_to_the_same_root_at_every_size_and_resumes_from_its_hex_form():
    leaves = synthetic(70)
    frontier = Frontier()
    for size, leaf in enumerate(leaves, start=1):
        frontier.append(leaf)
        assert frontier.root() == root_of(leaves[:size])
        assert len(frontier.nodes) == bin(size).count("1")
        resumed = Frontier.from_hex(size, frontier.to_hex())
        assert resumed.root() == frontier.root()
    with pytest.raises(ValueError):
        Frontier(5, frontier.nodes[:1])  # five leaves make two perfect subtrees (4 + 1)


def test_every_proof_of_every_tree_size_verifies_and_one_pass_proves_many_leaves():
    leaves = synthetic(40)
    for size in range(1, 41):
        root, paths = inclusion_proofs(iter(leaves), size, range(size))
        assert root == root_of(leaves[:size])
        for index in range(size):
            assert verify_inclusion(leaves[index], index, size, paths[index], root)
            alone = inclusion_proofs(iter(leaves), size, [index])[1][index]
            assert alone == paths[index]


def test_a_changed_leaf_index_size_root_or_path_fails():
    leaves = synthetic(13)
    root, paths = inclusion_proofs(iter(leaves), 13, [6])
    path = paths[6]
    assert verify_inclusion(leaves[6], 6, 13, path, root)
    assert not verify_inclusion(leaves[7], 6, 13, path, root)
    assert not verify_inclusion(leaves[6], 7, 13, path, root)
    assert not verify_inclusion(leaves[6], 6, 7, path, root)  # (the root, signed, fixes the size)
    assert not verify_inclusion(leaves[6], 6, 13, path, EMPTY_ROOT)
    assert not verify_inclusion(leaves[6], 6, 13, path[:-1], root)
    assert not verify_inclusion(leaves[6], 6, 13, path + [root], root)
    assert not verify_inclusion(leaves[6], 13, 13, path, root)
    flipped = [bytes([path[0][0] ^ 1]) + path[0][1:], *path[1:]]
    assert not verify_inclusion(leaves[6], 6, 13, flipped, root)


def test_proofs_need_every_leaf_of_the_tree_and_an_index_inside_it():
    with pytest.raises(ValueError):
        inclusion_proofs(iter(synthetic(3)), 5, [0])
    with pytest.raises(ValueError):
        inclusion_proofs(iter(synthetic(5)), 5, [5])
