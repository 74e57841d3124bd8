"""Data sets: real digits, splits, options, tabular sets, CSV files and their errors."""

import gzip
import pickle

import numpy as np
import pytest

import hiddenlens as hl
from hiddenlens.data import _mnist


@pytest.fixture(scope="module")
def embedded():
    return hl.load_dataset()


def test_embedded_mnist_is_real_digits_split_4000_1000(embedded):
    ds = embedded
    assert ds.name == "mnist-embedded" and ds.image_shape == (28, 28)
    assert ds.X_train.shape == (4000, 784) and ds.X_test.shape == (1000, 784)
    assert ds.X_train.dtype == np.float32 and ds.y_train.dtype == np.int64
    assert 0.0 == ds.X_train.min() and ds.X_train.max() == 1.0
    assert np.bincount(ds.y_train).tolist() == [400] * 10  # stratified
    assert np.bincount(ds.y_test).tolist() == [100] * 10
    assert ds.class_names == [str(d) for d in range(10)]
    assert len(ds.feature_names) == 784
    # a real digit: ink in the centre, none in the corners
    mean_image = ds.X_train.mean(0).reshape(28, 28)
    assert mean_image[10:18, 10:18].mean() > 0.3 and mean_image[:3, :3].max() == 0


def test_embedded_split_is_fixed(embedded):
    again = hl.load_dataset("mnist-embedded")
    np.testing.assert_array_equal(again.X_test, embedded.X_test)


def test_train_size_is_seeded_stratified_subsample(embedded):
    small = hl.load_dataset(train_size=500)
    assert small.X_train.shape == (500, 784)
    assert np.bincount(small.y_train).tolist() == [50] * 10
    np.testing.assert_array_equal(small.X_test, embedded.X_test)
    np.testing.assert_array_equal(hl.load_dataset(train_size=500).X_train, small.X_train)
    other = hl.load_dataset(train_size=500, random_state=1)
    assert not np.array_equal(other.X_train, small.X_train)


def test_classes_keeps_and_relabels_digits():
    ds = hl.load_dataset(classes=[3, 8])
    assert ds.class_names == ["3", "8"]
    assert set(ds.y_train) == {0, 1} and len(ds.y_train) == 800 and len(ds.y_test) == 200


@pytest.mark.parametrize("name,shape,n_classes", [
    ("iris", 4, 3), ("wine", 13, 3), ("breast-cancer", 30, 2)])
def test_sklearn_tables_keep_feature_names(name, shape, n_classes):
    ds = hl.load_dataset(name)
    assert ds.n_features == shape and ds.n_classes == n_classes and ds.image_shape is None
    assert len(ds.feature_names) == shape
    assert len(ds.X_train) + len(ds.X_test) == {"iris": 150, "wine": 178,
                                                "breast-cancer": 569}[name]


def test_unknown_name_lists_the_known_ones():
    with pytest.raises(ValueError, match="Unknown data set 'mnsit'; use one of mnist-embedded, "
                                         "mnist, iris, wine, breast-cancer"):
        hl.load_dataset("mnsit")


@pytest.mark.parametrize("option,message", [
    ({"train_size": 5}, r"`train_size` must be in 10..4000 for mnist-embedded. Got 5 instead."),
    ({"classes": [3]}, r"`classes` must name at least two classes"),
    ({"classes": [3, 12]}, r"`classes` must name classes of mnist-embedded"),
])
def test_bad_options(option, message):
    with pytest.raises(ValueError, match=message):
        hl.load_dataset(**option)


# ------------------------------------------------------------------ CSV
def _write(tmp_path, text, name="table.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_csv_classification_with_text_labels(tmp_path):
    rows = "\n".join(f"{i},{i * 2.5},{'big' if i > 9 else 'small'}" for i in range(20))
    ds = hl.load_dataset(_write(tmp_path, "a,b,size\n" + rows), target_column="size")
    assert ds.task == "classification" and ds.class_names == ["big", "small"]
    assert ds.feature_names == ["a", "b"] and ds.n_features == 2
    assert len(ds.X_train) == 15 and len(ds.X_test) == 5


def test_csv_float_target_is_regression(tmp_path):
    rows = "\n".join(f"{i},{i * 0.37:.3f}" for i in range(40))
    ds = hl.load_dataset(_write(tmp_path, "x,y\n" + rows), target_column="y")
    assert ds.task == "regression" and ds.class_names is None and ds.y_train.dtype == np.float32


def test_csv_missing_target_column_names_the_columns(tmp_path):
    path = _write(tmp_path, "a,b\n1,2\n")
    with pytest.raises(ValueError, match="table.csv has no column 'label'; its columns are: a, b"):
        hl.load_dataset(path, target_column="label")


def test_csv_non_numeric_value_names_column_and_row(tmp_path):
    path = _write(tmp_path, "a,b,y\n1,2,0\n3,x,1\n")
    with pytest.raises(ValueError, match="non-numeric value 'x' in column 'b', row 3"):
        hl.load_dataset(path, target_column="y")


def test_csv_missing_value_names_column_and_row(tmp_path):
    path = _write(tmp_path, "a,b,y\n1,2,0\n3,,1\n")
    with pytest.raises(ValueError, match="missing value in column 'b', row 3"):
        hl.load_dataset(path, target_column="y")


@pytest.mark.parametrize("value", ["", "NA", "nan", "?", "inf"])
def test_csv_missing_target_value_names_column_and_row(tmp_path, value):
    path = _write(tmp_path, f"a,price\n1,2.5\n2,{value}\n3,4.25\n")
    with pytest.raises(ValueError, match="missing or infinite value in column 'price', row 3"):
        hl.load_dataset(path, target_column="price")


def test_missing_pickle_path_is_a_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="No such file: .*mnist.pkl.gz."):
        hl.load_dataset(tmp_path / "mnist.pkl.gz")


@pytest.mark.parametrize("content,message", [
    (b"a,y\n1,0\n2,0\n3,0\n", r"table.csv's column 'y' holds one class \(0\); a classifier "
                                "needs at least two."),
    (b"a,y\n1,0.5\n", "table.csv has one data row; a train/test split needs at least two."),
    (b"a,y\n1,caf\xe9\n", r"table.csv is not UTF-8 text \(byte 0xe9 at offset 9\); save it as "
                           "a UTF-8 CSV."),
])
def test_csv_that_cannot_make_a_task(tmp_path, content, message):
    path = tmp_path / "table.csv"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=message):
        hl.load_dataset(path, target_column="y")


def test_csv_needs_a_target(tmp_path):
    with pytest.raises(ValueError, match="needs `target_column=` naming the label column"):
        hl.load_dataset(_write(tmp_path, "a,b\n1,2\n"))


@pytest.mark.parametrize("text,message", [
    ("", "table.csv is empty; a CSV needs a header row and data rows."),
    ("a,y\n\n,\n", "table.csv has a header but no data rows."),
    ("a,y\n1,0\n2,1,5\n", "table.csv row 3 has 3 values but the header has 2."),
    ("a,y\n1,0,5\n2,1,6\n", "table.csv row 2 has 3 values but the header has 2."),
    ('a,y\n"1,0\n', "table.csv is not a readable CSV file (Error tokenizing data."),
    ("a,b,y\n1,2,0\n3,-inf,1\n", "table.csv has an infinite value in column 'b', row 3."),
    ("a,b,y\n1,2,\n3,x,1\n", "table.csv has a missing or infinite value in column 'y', row 2."),
])
def test_csv_errors_name_the_file_and_the_row(tmp_path, text, message):
    with pytest.raises(ValueError) as info:
        hl.load_dataset(_write(tmp_path, text), target_column="y")
    assert str(info.value).startswith(message)
    with pytest.raises(FileNotFoundError, match="No such CSV file: .*nothing.csv."):
        hl.load_dataset(tmp_path / "nothing.csv", target_column="y")


def test_csv_reading_strips_names_and_skips_blank_rows(tmp_path):
    rows = "".join(f"{i},{i + 0.5},{'yes' if i % 2 else 'no'}\n" for i in range(2, 8))
    ds = hl.load_dataset(_write(tmp_path, "\ufeff a , b ,y\n0, 0.5 ,no\n , ,\n\n1,1.5,yes\n"
                                + rows), target_column="y")
    assert ds.feature_names == ["a", "b"] and ds.class_names == ["no", "yes"]
    np.testing.assert_array_equal(np.sort(ds.X[:, 1]), np.arange(8) + 0.5)


# ------------------------------------------------------------------ full MNIST (IDX files)
def _idx_bytes(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim]) + b"".join(
        int(s).to_bytes(4, "big") for s in array.shape)
    return gzip.compress(header + array.astype(np.uint8).tobytes())


def _write_idx_folder(folder, embedded):
    images = (embedded.X_train[:60] * 255).round().astype(np.uint8).reshape(-1, 28, 28)
    files = {
        "train-images-idx3-ubyte.gz": _idx_bytes(images[:50]),
        "train-labels-idx1-ubyte.gz": _idx_bytes(embedded.y_train[:50]),
        "t10k-images-idx3-ubyte.gz": _idx_bytes(images[50:]),
        "t10k-labels-idx1-ubyte.gz": _idx_bytes(embedded.y_train[50:60]),
    }
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return files


def test_full_mnist_reads_idx_files_from_hiddenlens_data(tmp_path, monkeypatch, embedded):
    _write_idx_folder(tmp_path, embedded)
    monkeypatch.setenv("HIDDENLENS_DATA", str(tmp_path))
    ds = hl.load_dataset("mnist", download=False)
    assert ds.X_train.shape == (50, 784) and ds.X_test.shape == (10, 784)
    np.testing.assert_allclose(ds.X_train, embedded.X_train[:50], atol=1 / 255)
    np.testing.assert_array_equal(ds.y_test, embedded.y_train[50:60])


def test_full_mnist_offline_names_folder_files_and_embedded(tmp_path, monkeypatch):
    monkeypatch.setenv("HIDDENLENS_DATA", str(tmp_path))
    monkeypatch.setenv("HIDDENLENS_MNIST_URL", "http://127.0.0.1:9/")  # nothing listens there
    with pytest.raises(FileNotFoundError) as info:
        hl.load_dataset("mnist", progress=False)
    message = str(info.value)
    assert str(tmp_path) in message and "mnist-embedded" in message
    for name in _mnist.MNIST_FILES:
        assert name in message


def test_full_mnist_downloads_and_verifies_checksums(tmp_path, monkeypatch, embedded):
    """A real HTTP server on 127.0.0.1 serves the files; the checksums are the served files'."""
    import hashlib
    import http.server
    import threading

    served = tmp_path / "served"
    served.mkdir()
    files = _write_idx_folder(served, embedded)

    class Handler(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, directory=str(served), **kwargs)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        monkeypatch.setenv("HIDDENLENS_MNIST_URL", f"http://127.0.0.1:{server.server_port}/")
        cache = tmp_path / "cache"
        monkeypatch.setattr(_mnist, "MNIST_FILES",
                            {n: hashlib.md5(d).hexdigest() for n, d in files.items()})
        ds = hl.load_dataset("mnist", data_dir=cache, progress=False)
        assert ds.X_train.shape == (50, 784)
        assert sorted(p.name for p in cache.iterdir()) == sorted(files)
        # a corrupted download is refused and nothing is kept
        monkeypatch.setitem(_mnist.MNIST_FILES, "t10k-labels-idx1-ubyte.gz", "0" * 32)
        (cache / "t10k-labels-idx1-ubyte.gz").unlink()
        with pytest.raises(ValueError, match="does not match its MD5 checksum; nothing was kept"):
            hl.load_dataset("mnist", data_dir=cache, progress=False)
        assert not (cache / "t10k-labels-idx1-ubyte.gz").exists()
    finally:
        server.shutdown()


# ------------------------------------------------------------------ Nielsen's mnist.pkl.gz
def _nielsen_pickle(path, embedded, payload=None):
    X, y = embedded.X_train, embedded.y_train
    splits = payload or ((X[:30], y[:30]), (X[30:40], y[30:40]), (X[40:50], y[40:50]))
    with gzip.open(path, "wb") as f:
        pickle.dump(splits, f, protocol=2)


def test_nielsen_pickle_is_read(tmp_path, embedded):
    path = tmp_path / "mnist.pkl.gz"
    _nielsen_pickle(path, embedded)
    ds = hl.load_dataset(path)
    assert ds.X_train.shape == (30, 784) and ds.X_test.shape == (10, 784)
    np.testing.assert_array_equal(ds.X_train, embedded.X_train[:30])
    assert hl.load_dataset(path, include_validation=True).X_train.shape == (40, 784)


class _Evil:
    def __reduce__(self):
        import os

        return (os.system, ("echo pwned",))


def test_nielsen_pickle_refuses_anything_but_arrays(tmp_path, embedded):
    path = tmp_path / "mnist.pkl.gz"
    _nielsen_pickle(path, embedded, payload=(_Evil(), None, None))
    with pytest.raises(ValueError, match=r"was refused: it asks for (posix|os)\.system, and only "
                                         "numpy arrays and tuples are read"):
        hl.load_dataset(path)


@pytest.mark.parametrize("payload", [
    ("ab", "cd", "ef"),  # no global needed, but not arrays
    ({"X": 1}, None, None),
    ((np.zeros((3, 10)), np.zeros(3)),) * 3,  # arrays of the wrong shape
])
def test_nielsen_pickle_of_other_objects_is_refused(tmp_path, embedded, payload):
    path = tmp_path / "mnist.pkl.gz"
    _nielsen_pickle(path, embedded, payload=payload)
    with pytest.raises(ValueError, match=r"does not hold Nielsen's \(training, validation, "
                                         r"test\) tuple of \(X, y\) arrays, X of shape"):
        hl.load_dataset(path)


def _py2_str(b: bytes) -> bytes:
    """A Python 2 str in a pickle: SHORT_BINSTRING or BINSTRING."""
    return (b"U" + bytes([len(b)]) if len(b) < 256 else b"T" + len(b).to_bytes(4, "little")) + b


def _py2_array(a: np.ndarray) -> bytes:
    """The protocol-2 opcodes Python 2's cPickle writes for a numpy array (data as a str)."""
    shape = b"(" + b"".join(b"J" + n.to_bytes(4, "little") for n in a.shape) + b"t"
    return (b"cnumpy.core.multiarray\n_reconstruct\ncnumpy\nndarray\nK\x00\x85" + _py2_str(b"b")
            + b"\x87R(K\x01" + shape + b"cnumpy\ndtype\n" + _py2_str(a.dtype.str[1:].encode())
            + b"K\x00K\x01\x87R(K\x03" + _py2_str(b"<")
            + b"NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89" + _py2_str(a.tobytes()) + b"tb")


def test_python2_pickle_needs_and_gets_latin1(tmp_path, embedded):
    """Nielsen's file was written by Python 2: array bytes are str, readable only as latin1."""
    X, y = embedded.X_train[:12], embedded.y_train[:12]
    splits = [(X[:6], y[:6]), (X[6:9], y[6:9]), (X[9:], y[9:])]
    data = b"\x80\x02" + b"".join(_py2_array(a) + _py2_array(b) + b"\x86" for a, b in splits)
    data += b"\x87."
    with pytest.raises(UnicodeDecodeError):
        pickle.loads(data)  # what a plain Python 3 load does with it
    path = tmp_path / "mnist.pkl.gz"
    path.write_bytes(gzip.compress(data))
    ds = hl.load_dataset(path)
    np.testing.assert_array_equal(ds.X_train, X[:6])
    np.testing.assert_array_equal(ds.y_test, y[9:])


def test_full_mnist_with_labels_that_do_not_match_the_images(tmp_path, monkeypatch, embedded):
    _write_idx_folder(tmp_path, embedded)
    (tmp_path / "t10k-labels-idx1-ubyte.gz").write_bytes(_idx_bytes(embedded.y_train[:9]))
    with pytest.raises(ValueError, match=r"t10k files hold \(10, 28, 28\) images and \(9,\) "
                                         "labels, not"):
        hl.load_dataset("mnist", data_dir=tmp_path, download=False)


def test_names_are_case_insensitive():
    assert hl.load_dataset("IRIS").name == "iris"
