DROP TABLE checkpoint_leaves;
DROP TABLE checkpoints;
