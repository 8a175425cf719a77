"""One list of segment dimensions: segmart.layout.segment_dimensions() is the dbt var, and the
marts and the views follow it."""

from __future__ import annotations

import pytest
import yaml
from helpers import PROJECT

from segmart import views
from segmart.layout import segment_dimensions


def test_segment_dimensions_is_the_dbt_var():
    project = yaml.safe_load((PROJECT / "dbt_project.yml").read_text(encoding="utf-8"))
    assert segment_dimensions() == project["vars"]["segment_dimensions"]
    assert len(segment_dimensions()) == len(set(segment_dimensions())) >= 2


def test_the_marts_follow_the_list(warehouse):
    dimensions = segment_dimensions()
    for mart in ("customer_segments", "customer_segment_history"):
        columns = {row[0] for row in warehouse.execute(f"describe marts.{mart}").fetchall()}
        assert set(dimensions) <= columns, (mart, sorted(set(dimensions) - columns))
    summarised = warehouse.execute("select distinct segment_dimension from marts.segment_summary").fetchall()
    assert {row[0] for row in summarised} == set(dimensions)


def test_the_views_take_every_dimension_of_the_list_and_no_other(two_date_marts):
    assert views.DIMENSIONS == tuple(segment_dimensions())
    marts = views.Marts(two_date_marts["published"])
    for dimension in segment_dimensions():
        assert len(marts.summary(dimension)) >= 1, dimension
        assert int(marts.migration_matrix(dimension)["customers"].sum()) >= 1, dimension
    with pytest.raises(ValueError, match="dimension must be one of"):
        marts.summary("favourite_colour")
    with pytest.raises(ValueError, match="dimension must be one of"):
        marts.migration_matrix("favourite_colour")
