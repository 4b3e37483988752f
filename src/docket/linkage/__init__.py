"""Record linkage with Splink (DuckDB): training the model the departure intake scores with."""
