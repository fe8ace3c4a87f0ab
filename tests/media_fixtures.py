"""Generate the committed media fixtures in ``tests/fixtures/media/`` (run once; tests only read the files).

Needs Pillow and the ``imageio-ffmpeg`` wheel (for its static ffmpeg binary). Neither ``imageio-ffmpeg``
nor this script is a runtime or test dependency::

    .venv/bin/pip install imageio-ffmpeg
    .venv/bin/python tests/media_fixtures.py            # (re)writes the files, prints the ffmpeg commands
    .venv/bin/python tests/media_fixtures.py --probe    # only probes the committed files with pymediainfo

Encoders are not bit-for-bit reproducible across ffmpeg versions, so regenerating can change sizes
and (slightly) the probed durations of compressed audio: re-check ``EXPECTED`` and the README table
after a regeneration (``--probe`` prints what pymediainfo reads).
"""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent / "fixtures" / "media"

# ffmpeg arguments per output file (after the binary). -fflags +bitexact / -map_metadata -1 keep the
# files free of encoder version strings and timestamps, so reruns with the same ffmpeg match.
COMMON_OUT = ["-map_metadata", "-1", "-fflags", "+bitexact", "-flags:v", "+bitexact", "-flags:a", "+bitexact"]

FFMPEG_JOBS: dict[str, list[str]] = {
    "clip.mp4": [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=10:duration=1.5",
        "-c:v",
        "libx264",
        "-preset",
        "veryslow",
        "-crf",
        "40",
        "-pix_fmt",
        "yuv420p",
        "-an",
        *COMMON_OUT,
        "clip.mp4",
    ],
    "clip.webm": [
        "-f",
        "lavfi",
        "-i",
        "testsrc=size=64x48:rate=10:duration=1.5",
        "-c:v",
        "libvpx-vp9",
        "-b:v",
        "40k",
        "-an",
        *COMMON_OUT,
        "clip.webm",
    ],
    "tone.mp3": [
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=440:sample_rate=8000:duration=2.5",
        "-c:a",
        "libmp3lame",
        "-b:a",
        "8k",
        "-ac",
        "1",
        "-write_xing",
        "1",
        *COMMON_OUT,
        "tone.mp3",
    ],
    "tone.ogg": [
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=660:sample_rate=48000:duration=2.0",
        "-c:a",
        "libopus",
        "-b:a",
        "8k",
        "-ac",
        "1",
        *COMMON_OUT,
        "tone.ogg",
    ],
    "tone.wav": [
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=550:sample_rate=8000:duration=1.25",
        "-c:a",
        "pcm_u8",
        "-ac",
        "1",
        *COMMON_OUT,
        "tone.wav",
    ],
}

# name -> (real kind, metadata class name, width, height, duration in s) as probed by pymediainfo
# (MediaInfo 24.12 in pymediainfo 7.0.1). Requested durations: videos 1.5, mp3 2.5, ogg 2.0, wav 1.25;
# compressed audio probes longer (whole frames plus encoder delay/padding: MP3 at 8 kHz has 72 ms frames).
DURATION_TOLERANCE = 0.05
EXPECTED: dict[str, tuple[str, str, int | None, int | None, float | None]] = {
    "image.png": ("image", "ImageFileMetadata", 64, 48, None),
    "image.jpg": ("image", "ImageFileMetadata", 80, 60, None),
    "anim.gif": ("image", "ImageFileMetadata", 32, 24, None),
    "image.webp": ("image", "ImageFileMetadata", 40, 30, None),
    "clip.mp4": ("video", "VideoFileMetadata", 64, 48, 1.5),
    "clip.webm": ("video", "VideoFileMetadata", 64, 48, 1.5),
    "tone.mp3": ("audio", "AudioFileMetadata", None, None, 2.664),
    "tone.ogg": ("audio", "AudioFileMetadata", None, None, 2.007),
    "tone.wav": ("audio", "AudioFileMetadata", None, None, 1.25),
    "document.pdf": ("generic", "GenericFileMetadata", None, None, None),
    "photo.mp3": ("image", "ImageFileMetadata", 64, 48, None),  # a PNG with a lying extension
    "notes.txt": ("audio", "AudioFileMetadata", None, None, 2.664),  # an MP3 with a lying extension
}


def make_images() -> None:
    from PIL import Image, ImageDraw

    def picture(size: tuple[int, int], colour: tuple[int, int, int]) -> Image.Image:
        img = Image.new("RGB", size, colour)
        draw = ImageDraw.Draw(img)
        w, h = size
        draw.rectangle([w // 4, h // 4, 3 * w // 4, 3 * h // 4], fill=(255, 255, 255))
        draw.line([0, 0, w - 1, h - 1], fill=(0, 0, 0))
        return img

    picture((64, 48), (30, 120, 200)).save(HERE / "image.png", optimize=True)
    picture((80, 60), (200, 80, 40)).save(HERE / "image.jpg", quality=60)
    frames = [
        picture((32, 24), c).convert("P", palette=Image.Palette.ADAPTIVE, colors=8)
        for c in ((255, 0, 0), (0, 160, 0), (0, 0, 255))
    ]
    frames[0].save(HERE / "anim.gif", save_all=True, append_images=frames[1:], duration=200, loop=0)
    picture((40, 30), (120, 40, 160)).save(HERE / "image.webp", quality=50)
    # the lying extension: PNG bytes under an audio name
    (HERE / "photo.mp3").write_bytes((HERE / "image.png").read_bytes())


def make_pdf() -> None:
    """A minimal valid one-page PDF with a correct cross-reference table."""
    stream = b"BT /F1 18 Tf 20 40 Td (talkwidgets fixture) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 100] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    (HERE / "document.pdf").write_bytes(bytes(out))


def make_av() -> None:
    import imageio_ffmpeg

    exe = imageio_ffmpeg.get_ffmpeg_exe()
    for args in FFMPEG_JOBS.values():
        cmd = [exe, "-hide_banner", "-loglevel", "error", "-y", *args]
        print("ffmpeg", shlex.join(cmd[1:]))
        subprocess.run(cmd, cwd=HERE, check=True)
    # the other lying extension: MP3 bytes under a text name
    (HERE / "notes.txt").write_bytes((HERE / "tone.mp3").read_bytes())


def probe() -> int:
    """Print what pymediainfo (through talkwidgets' probe_file) reads; non-zero exit on a mismatch."""
    sys.path.insert(0, str(HERE.parents[2]))
    from talkwidgets.session._uploads import probe_file

    bad = 0
    for name, (kind, cls, width, height, duration) in EXPECTED.items():
        path = HERE / name
        meta = probe_file(path)
        got = (
            type(meta).__name__,
            getattr(meta, "width", None),
            getattr(meta, "height", None),
            getattr(meta, "duration", None),
        )
        ok = (
            got[0] == cls
            and got[1] == width
            and got[2] == height
            and (duration is None) == (got[3] is None)
            and (duration is None or abs(got[3] - duration) <= DURATION_TOLERANCE)
        )
        bad += not ok
        print(f"{'ok ' if ok else 'BAD'} {name:14} {path.stat().st_size:6d} B  {kind:8} {got}")
    return 1 if bad else 0


def main() -> int:
    if "--probe" not in sys.argv:
        HERE.mkdir(parents=True, exist_ok=True)
        make_images()
        make_pdf()
        make_av()
    return probe()


if __name__ == "__main__":
    raise SystemExit(main())
