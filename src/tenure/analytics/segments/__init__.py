"""Customer segments: RFM, ABC/XYZ, behavioural clusters and profiles (DESIGN.md, "Segments").

One module per method (rfm_scores, abcxyz, clustering, profiles); this package only
gathers their public names (a module named like its function would be shadowed by it).
"""

from __future__ import annotations

from tenure.analytics.segments.abcxyz import abc_classes, abc_xyz, abc_xyz_matrix, xyz_classes
from tenure.analytics.segments.clustering import ClusterResult, Trait, clusters
from tenure.analytics.segments.profiles import best_customers_profile, typical_customer
from tenure.analytics.segments.rfm_scores import (
    DEFAULT_GRID,
    SEGMENTS,
    quintile_scores,
    rfm,
    segment_transitions,
    validate_grid,
)

__all__ = [
    "DEFAULT_GRID", "SEGMENTS", "ClusterResult", "Trait", "abc_classes", "abc_xyz",
    "abc_xyz_matrix", "best_customers_profile", "clusters", "quintile_scores", "rfm",
    "segment_transitions", "typical_customer", "validate_grid", "xyz_classes",
]
