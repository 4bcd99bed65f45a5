"""Stage 3b: the print-at-home copy of the PDF, imposed for saddle stitching.

Takes the PDF's bytes (as `pdf.write_pdf` made them); returns a new PDF whose sheets each
carry two pages side by side, in the order that, printed double-sided (flip on the short
edge), stacked, folded in the middle and stapled, gives the booklet in reading order.
Blank pages fill the end to a multiple of four. A5 pages go on A4 sheets; pages too large
for an A4 sheet go on a sheet twice their width. Uses pypdf; no layout happens here.
"""

from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation

A4_LANDSCAPE = (841.8898, 595.2756)  # pt
TOLERANCE = 0.5  # pt: an A5 page is 148 mm wide, half an A4 sheet 148.5 mm

Side = tuple[int | None, int | None]


def saddle_stitch_order(count: int) -> tuple[Side, ...]:
    """The sides to print, in order: (left page, right page), 1-based; None is a blank page.

    Sheet k (from the outside in) carries pages n−2k and 2k+1 on its front, 2k+2 and
    n−2k−1 on its back, where n is `count` rounded up to a multiple of four.
    """
    total = max(4, -(-count // 4) * 4)

    def page(number: int) -> int | None:
        return number if number <= count else None

    sides: list[Side] = []
    for sheet in range(total // 4):
        sides.append((page(total - 2 * sheet), page(1 + 2 * sheet)))
        sides.append((page(2 + 2 * sheet), page(total - 1 - 2 * sheet)))
    return tuple(sides)


def impose_booklet(pdf: bytes) -> bytes:
    """Two pages to a sheet, in saddle-stitch order (see the module docstring)."""
    reader = PdfReader(io.BytesIO(pdf))
    pages = reader.pages
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    sheet_width, sheet_height = _sheet_size(width, height)
    writer = PdfWriter()
    for left, right in saddle_stitch_order(len(pages)):
        sheet = PageObject.create_blank_page(width=sheet_width, height=sheet_height)
        y = (sheet_height - height) / 2
        for number, x in ((left, sheet_width / 2 - width), (right, sheet_width / 2)):
            if number is not None:
                sheet.merge_transformed_page(pages[number - 1], Transformation().translate(x, y))
        writer.add_page(sheet)
    if reader.metadata is not None:
        writer.add_metadata({key: str(value) for key, value in reader.metadata.items()})
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue()


def _sheet_size(width: float, height: float) -> tuple[float, float]:
    """An A4 sheet (landscape) when two pages fit on it; otherwise a sheet two pages wide."""
    a4_width, a4_height = A4_LANDSCAPE
    if 2 * width <= a4_width + TOLERANCE and height <= a4_height + TOLERANCE:
        return a4_width, a4_height
    return 2 * width, height
