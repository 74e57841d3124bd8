"""Output paths: nothing but a regular file is ever replaced, with or without overwrite (a
device node stays a device node), and a failed write names the user's file, not the
temporary one, and leaves nothing behind."""

import errno
import os
import socket
import stat

import matplotlib.pyplot as plt
import pytest

import hiddenlens as hl
from _bad_inputs import check_sentence, snapshot
from hiddenlens import _files
from hiddenlens.plot._grid import save_figure

NET = hl.DenseNet([4, 3, 2], "relu", random_state=0)


def device(t, name):
    try:
        os.mknod(t / name, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # what /dev/null is
    except PermissionError:
        pytest.skip("making a device node needs root")
    return t / name


def fifo(t, name):
    os.mkfifo(t / name)
    return t / name


def sock(t, name):
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(t / name))
    server.close()
    return t / name


def folder(t, name):
    (t / name).mkdir()
    return t / name


def link_to(make):
    def build(t, name):
        target = make(t, "target" + os.path.splitext(name)[1])
        (t / name).symlink_to(target)
        return t / name
    return build


def loop(t, name):
    (t / name).symlink_to(t / ("other" + name))
    (t / ("other" + name)).symlink_to(t / name)
    return t / name


def regular(t, name):
    (t / name).write_text("precious")
    return t / name


def dangling(t, name):
    (t / name).symlink_to(t / "gone")
    return t / name


def no_parent(t, name):
    return t / "missing" / name


def file_parent(t, name):
    (t / "file").write_text("x")
    return t / "file" / name


WRITERS = {
    "save_model": ("m.safetensors", lambda p, ow: hl.save_model(NET, p, overwrite=ow)),
    "to_onnx": ("m.onnx", lambda p, ow: hl.to_onnx(NET, p, overwrite=ow)),
    "save_figure": ("f.png", lambda p, ow: save_figure(plt.figure(), p, overwrite=ow)),
    "write_report": ("r.html", lambda p, ow: hl.write_report(NET, p, overwrite=ow)),
    "checkpoint": ("c.ckpt", lambda p, ow: hl.train(hl.DenseNet([4, 3]), "iris", epochs=1,
                                                   checkpoint=p, overwrite=ow, progress=False)),
    "write_text": ("t.json", lambda p, ow: _files.atomic_write_text(p, "{}", ow)),
}
TARGETS = [
    # id, builder(tmp, name), overwrite, exception, words
    ("device", device, False, ValueError, "is a character device, not a regular file"),
    ("device-force", device, True, ValueError, "with or without overwrite (--force)"),
    ("fifo", fifo, False, ValueError, "is a named pipe (FIFO), not a regular file"),
    ("fifo-force", fifo, True, ValueError, "is a named pipe (FIFO), not a regular file"),
    ("socket-force", sock, True, ValueError, "is a socket, not a regular file"),
    ("folder", folder, False, IsADirectoryError, "is a folder; give a file name to write to"),
    ("folder-force", folder, True, IsADirectoryError, "is a folder"),
    ("link-to-device-force", link_to(device), True, ValueError, "is a character device"),
    ("link-to-fifo", link_to(fifo), True, ValueError, "is a named pipe (FIFO)"),
    ("link-loop", loop, True, OSError, "is a symbolic link that loops back on itself"),
    ("existing", regular, False, FileExistsError, "already exists; pass overwrite=True"),
    ("dangling-link", dangling, False, FileExistsError, "already exists"),
    ("no-parent", no_parent, True, FileNotFoundError, "does not exist; create it first"),
    ("file-parent", file_parent, True, OSError, "a part of the path is a file"),
]
CASES = [(f"{writer}-{target[0]}", writer, *target[1:]) for target in TARGETS
         for writer in WRITERS if target[0] in ("device-force", "fifo-force", "folder")
         or writer == "save_model"]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_refused_output_is_left_as_it_was(tmp_path, case):
    _, writer, build, overwrite, kind, words = case
    name, write = WRITERS[writer]
    path = build(tmp_path, name)
    before = snapshot(tmp_path)
    with pytest.raises(kind) as info:
        write(path, overwrite)
    assert words in check_sentence(info.value, path)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("value, kind", [(123, TypeError), (None, TypeError),
                                         ("", ValueError)])
def test_output_path_that_is_not_a_path(value, kind):
    with pytest.raises(kind) as info:
        hl.save_model(NET, value)
    assert "`path` must be" in str(info.value) or "`path` is empty" in str(info.value)
    check_sentence(info.value)


def test_a_read_only_folder_names_the_target_not_the_temporary_file():
    target = "/sys/m.safetensors"  # /sys refuses new files even to root
    with pytest.raises(PermissionError) as info:
        hl.save_model(NET, target)
    text = check_sentence(info.value, target)
    assert text == (f"Cannot write {target}: permission denied (the folder is not writable); "
                    "choose another place to write it.")
    assert ".m.safetensors." not in text


@pytest.mark.parametrize("code, reason", [(errno.ENOSPC, "the disk is full"),
                                          (errno.EROFS, "on a read-only file system")])
def test_a_failed_write_names_the_target_and_leaves_nothing(tmp_path, monkeypatch, code,
                                                           reason):
    def fail(self, data):
        raise OSError(code, os.strerror(code), str(self))

    monkeypatch.setattr(_files.Path, "write_bytes", fail)
    path = tmp_path / "m.safetensors"
    with pytest.raises(OSError) as info:
        hl.save_model(NET, path)
    assert reason in check_sentence(info.value, path)
    assert list(tmp_path.iterdir()) == []


def test_replacing_a_regular_file_through_a_symlink_with_overwrite(tmp_path):
    (tmp_path / "real.safetensors").write_text("old")
    (tmp_path / "link.safetensors").symlink_to(tmp_path / "real.safetensors")
    hl.save_model(NET, tmp_path / "link.safetensors", overwrite=True)
    assert hl.load_model(tmp_path / "link.safetensors").sizes == [4, 3, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.safetensors",
                                                          "real.safetensors"]


def test_make_folder_refuses_a_file(tmp_path):
    (tmp_path / "out").write_text("x")
    with pytest.raises(FileExistsError) as info:
        _files.make_folder(tmp_path / "out")
    assert "is a file, not a folder" in check_sentence(info.value, tmp_path / "out")
