"""How the desk's commodity x date partitions read their upstream partitions."""

import dagster as dg

SAME_COMMODITY_AND_DATE = dg.MultiPartitionMapping({
    "commodity": dg.DimensionPartitionMapping("commodity", dg.IdentityPartitionMapping()),
    "date": dg.DimensionPartitionMapping("date", dg.IdentityPartitionMapping()),
})
BY_COMMODITY = dg.MultiToSingleDimensionPartitionMapping(partition_dimension_name="commodity")
