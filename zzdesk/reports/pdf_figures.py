"""Charts in the PDF reports: a matplotlib ``Figure`` rendered to PNG at print resolution, as a reportlab ``Image``.

The bulletin must come out byte-identical when made twice from the same data (so it can be archived and compared),
so the PNG carries no software or time stamp, and the figure's layout is settled before the pixels are drawn:
matplotlib's constrained layout starts from where the axes last were, and a second run can land 1e-16 away from
the first, which flips a few antialiased pixels. Rendering goes through the Agg canvas directly (no pyplot, no
global figure registry); the canvas a figure already has (the GUI's, say) is put back afterwards.

Timing (6.1×3.5 inch chart, Linux laptop): building a chart takes ~30 ms, drawing it ~0.1–0.15 s at any
resolution; PNG encoding plus reportlab's embedding add ~0.1 s at 200 dpi and ~0.2 s at 300 dpi. Print resolution
(300 dpi) is the default: a bulletin with four charts still comes out well under its 2 s (docs/benchmarks.md).
"""

import io
import struct

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.transforms import Bbox
from reportlab.platypus import Flowable, Image

DEFAULT_DPI = 300
PNG_METADATA: dict[str, str | None] = {"Software": None}  # matplotlib's only default key; others are never set
# The PNG handed to reportlab is only unpacked again: reportlab embeds the pixels, compressed its own way, so the
# PDF is the same at any level, and level 1 saves ~30 ms a 300 dpi chart over the default 6 (docs/benchmarks.md).
HANDOVER_COMPRESSION = 1
POSITION_DIGITS = 6  # figure fractions: a millionth of 6 inches at 300 dpi is 0.002 pixel


def _settle_layout(figure: Figure) -> None:
    """Run the figure's layout once and round where it put the axes, so every render starts from the same place."""
    engine = figure.get_layout_engine()
    if engine is None:
        return
    engine.execute(figure)
    for axes in figure.axes:
        in_layout = axes.get_in_layout()
        box = axes.get_position()
        axes.set_position(Bbox([[round(box.x0, POSITION_DIGITS), round(box.y0, POSITION_DIGITS)],
                                [round(box.x1, POSITION_DIGITS), round(box.y1, POSITION_DIGITS)]]))
        axes.set_in_layout(in_layout)  # set_position would otherwise take the axes out of later layouts


def figure_png(figure: Figure, dpi: int = DEFAULT_DPI, compress_level: int | None = None) -> bytes:
    """The figure as PNG bytes at ``dpi``: the same figure always gives the same bytes.

    ``compress_level`` is zlib's (0–9; None: Pillow's default); it changes the file's size, never its pixels."""
    original_canvas, original_dpi, engine = figure.canvas, figure.dpi, figure.get_layout_engine()
    canvas = FigureCanvasAgg(figure)  # rebinds figure.canvas until restored below
    buffer = io.BytesIO()
    try:
        figure.dpi = dpi  # the layout is measured with the fonts as they will be drawn
        _settle_layout(figure)
        if engine is not None:
            figure.set_layout_engine("none")  # draw exactly the settled layout
        canvas.print_figure(buffer, format="png", dpi=dpi, facecolor="white", metadata=PNG_METADATA,
                            pil_kwargs=None if compress_level is None else {"compress_level": compress_level})
    finally:
        if engine is not None:
            figure.set_layout_engine(engine)
        figure.dpi = original_dpi
        figure.set_canvas(original_canvas)  # the Agg canvas and its pixel buffer (4 bytes a pixel) go with this frame
    return buffer.getvalue()


def png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels, from the PNG's header (its first chunk, IHDR, always)."""
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def figure_flowable(figure: Figure, width: float, dpi: int = DEFAULT_DPI) -> Flowable:
    """A reportlab image of the figure, ``width`` points wide, as tall as the figure's aspect ratio makes it."""
    png = figure_png(figure, dpi, compress_level=HANDOVER_COMPRESSION)
    pixels_wide, pixels_high = png_size(png)
    return Image(io.BytesIO(png), width=width, height=width * pixels_high / pixels_wide)
