"""Test models and helpers for the torch backend; plain torch, no torchvision."""
