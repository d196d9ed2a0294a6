"""The picture pipeline: a placed picture -> the image a receiver's PDF embeds (issue 10).

* spec.py      what a receiver takes (`Target`, from the variant and the layout's `images`
               block), what the writer gets (`Prepared`), the geometry of a placed picture
               (cover fit, downsampling size) — plain data;
* convert.py   one picture for one target: decode, orient, flatten, downsample, convert
               colour, hold the ink limit, encode or pass a JPEG through (Pillow);
* colour.py    LittleCMS through Pillow's ImageCms: profiles, transforms, "same condition"
               by colour;
* ink.py       total ink: each pixel's C+M+Y+K held to the layout's limit;
* jpeg.py      JPEG marker segments: what can pass through, metadata left out (no Pillow);
* jpx.py       JPEG 2000 headers, for the preflight of written files (no Pillow);
* cache.py     prepared pictures cached on disk by content (no pickle);
* pipeline.py  every picture of a document, once: the writer's view.

Pillow is imported only by convert.py, colour.py and ink.py here (and model/picture.py for headers);
tests/test_structure.py holds the rooms. This file imports nothing heavy.
"""
