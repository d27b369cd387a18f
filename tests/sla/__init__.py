"""Tests of crmcore.sla."""
