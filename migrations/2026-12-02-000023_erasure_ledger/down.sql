DROP TABLE erasure_ledger;
