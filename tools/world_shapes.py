"""Build `static/world_110m.json`, the country shapes the explorer's world map draws.

plotly draws a choropleth from a TopoJSON file it fetches from `cdn.plot.ly`, which a school
network may filter (and which this app's machines cannot reach). The app serves the shapes
itself instead (`server.enableStaticServing`, the chart's `topojsonURL`). They come from
world-atlas (Natural Earth's 1:110m countries, packaged by Mike Bostock, ISC licence):

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python tools/world_shapes.py package/countries-110m.json static/world_110m.json

The one change: plotly finds a country by its ISO 3166 alpha-3 code in the feature's `id`,
and world-atlas writes the numeric code ("724" for Spain), so each id is rewritten ("ESP").
Shapes without a code (Kosovo, Northern Cyprus, Somaliland) keep no id and are drawn as borders.
"""

import json
import sys
from pathlib import Path

import pycountry


def with_alpha3_ids(topology: dict) -> dict:
    """The same topology with each country's numeric id replaced by its alpha-3 code."""
    for shape in topology["objects"]["countries"]["geometries"]:
        country = pycountry.countries.get(numeric=shape.pop("id", None) or "")
        if country is not None:
            shape["id"] = country.alpha_3
    return topology


def main(source: str, target: str) -> None:
    topology = with_alpha3_ids(json.loads(Path(source).read_text(encoding="utf-8")))
    Path(target).write_text(json.dumps(topology, separators=(",", ":")), encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:3])
