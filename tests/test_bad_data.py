"""Bad tabular data files and data set names, each CSV built here: an empty file, a header
without rows, words, NaN and inf among the numbers, ragged rows, an unknown or missing label
column, a single class, bytes that are not text, and names that are not data sets. Each is
refused in one sentence naming the file (or the name), and nothing is written."""

import numpy as np
import pytest

import hiddenlens as hl
from _bad_inputs import check_sentence, snapshot

HEADER = "a,b,c,d,label\n"
ROWS = "".join(f"{i},{i % 3},{i % 5},{i % 7},{i % 3}\n" for i in range(30))

CSV_CASES = [
    # id, file text (or bytes), target_column, exception, words
    ("empty", "", "label", ValueError, "is empty; a CSV needs a header row and data rows"),
    ("header-only", HEADER, "label", ValueError, "has a header but no data rows"),
    ("wide-header-only", ",".join(f"c{i}" for i in range(2_001)) + "\n", "c0", ValueError,
     "has a header but no data rows"),
    ("non-numeric-column", HEADER + ROWS.replace("1,", "one,", 3), "label", ValueError,
     "has a non-numeric value 'one' in column 'a', row 3"),
    ("nan", HEADER + ROWS + "nan,1,1,1,0\n", "label", ValueError,
     "has a missing value in column 'a', row 32"),
    ("inf", HEADER + ROWS + "inf,1,1,1,0\n", "label", ValueError,
     "has an infinite value in column 'a', row 32"),
    ("ragged-row", HEADER + ROWS + "1,2\n", "label", ValueError, "has a missing value"),
    ("label-missing", HEADER + ROWS + "1,1,1,1,\n", "label", ValueError,
     "missing or infinite value in column 'label'"),
    ("unknown-target-column", HEADER + ROWS, "nope", ValueError,
     "has no column 'nope'; its columns are: a, b, c, d, label"),
    ("no-target-column", HEADER + ROWS, None, ValueError,
     "needs `target_column=` naming the label column"),
    ("semicolons", (HEADER + ROWS).replace(",", ";"), "label", ValueError,
     "has no column 'label'"),
    ("one-class", HEADER + "".join(f"{i},1,1,1,0\n" for i in range(20)), "label", ValueError,
     "holds one class (0); a classifier needs at least two"),
    ("one-row", HEADER + "1,2,3,4,0\n", "label", ValueError, "holds one class"),
    ("repeated-column", "a,b,a,d,label\n" + ROWS, "label", ValueError,
     "names a column twice in its header ('a'); give every column its own name."),
    ("repeated-label-column", "a,label,c,d,label\n" + ROWS, "label", ValueError,
     "names a column twice in its header ('label')"),
    ("binary-bytes", bytes(range(256)) * 4, "label", ValueError,
     "is not UTF-8 text (byte 0x80 at offset 128)"),
]


@pytest.mark.parametrize("case", CSV_CASES, ids=[c[0] for c in CSV_CASES])
def test_bad_csv(tmp_path, case):
    _, text, column, kind, words = case
    path = tmp_path / "data.csv"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text)
    before = snapshot(tmp_path)
    with pytest.raises(kind) as info:
        hl.load_dataset(path, target_column=column)
    assert type(info.value) is kind
    assert words in check_sentence(info.value, path.name)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("name, kind, words", [
    (123, TypeError, "`name` must be a data set's name or a file path (a str or a "
                     "pathlib.Path). Got 123 instead."),
    (None, TypeError, "Got None instead."),
    (b"iris", TypeError, "Got b'iris' instead."),
    ("cifar-100", ValueError, "Unknown data set 'cifar-100'; use one of mnist-embedded"),
])
def test_bad_data_set_name(name, kind, words):
    with pytest.raises(kind) as info:
        hl.load_dataset(name)
    assert words in check_sentence(info.value)


def test_missing_csv(tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        hl.load_dataset(tmp_path / "gone.csv", target_column="label")
    assert "No such CSV file" in check_sentence(info.value, tmp_path / "gone.csv")


def test_a_folder_is_not_a_data_file(tmp_path):
    (tmp_path / "data").mkdir()
    with pytest.raises(ValueError) as info:
        hl.load_dataset(tmp_path / "data")
    assert "is neither a .csv file nor Nielsen's mnist.pkl.gz" in check_sentence(
        info.value, tmp_path / "data")


def test_a_csv_that_does_not_fit_the_model(tmp_path):
    path = tmp_path / "six.csv"
    path.write_text("a,b,c,d,e,f,label\n" + "".join(
        f"{i},1,2,3,4,5,{i % 2}\n" for i in range(20)))
    with pytest.raises(ValueError) as info:
        hl.train(hl.DenseNet([4, 3, 2]), hl.load_dataset(path, target_column="label"),
                 epochs=1, progress=False)
    assert "takes 4 inputs" in check_sentence(info.value)


def test_a_good_csv_still_loads(tmp_path):
    path = tmp_path / "ok.csv"
    path.write_text(HEADER + ROWS)
    ds = hl.load_dataset(path, target_column="label")
    assert ds.X_train.shape[1] == 4 and set(np.unique(ds.y_train)) <= {0, 1, 2}
