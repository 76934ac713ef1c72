"""The simulation model, one module per stage of the monitoring pipeline (MODEL.md)."""
