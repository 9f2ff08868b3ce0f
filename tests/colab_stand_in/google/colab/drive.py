"""``google.colab.drive``: Colab mounts the reader's Drive; the stand-in mounts an empty one.

As in Colab, the Drive's files appear under ``<mountpoint>/MyDrive``, and the mount point must
be empty or missing, or already hold this Drive.
"""

import os


def mount(mountpoint, force_remount=False, timeout_ms=120000, readonly=False):
    """Make ``<mountpoint>/MyDrive`` a folder (a new, empty Drive) and say so as Colab does."""
    mountpoint = os.path.expanduser(str(mountpoint))
    drive = os.path.join(mountpoint, "MyDrive")
    if os.path.isdir(drive) and not force_remount:
        print(f"Drive already mounted at {mountpoint}; to attempt to forcibly remount, "
              f'call drive.mount("{mountpoint}", force_remount=True).')
        return
    if os.path.isdir(mountpoint) and set(os.listdir(mountpoint)) - {"MyDrive"}:
        raise ValueError("Mountpoint must not already contain files")
    os.makedirs(drive, exist_ok=True)
    print(f"Mounted at {mountpoint}")
