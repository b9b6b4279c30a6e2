//! `restock run --export-history`: one replication's daily sales and shipments, written in
//! the formats `restock fit` reads.
