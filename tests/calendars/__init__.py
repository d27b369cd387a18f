"""Tests of crmcore.calendars."""
