"""Modal dialogs: confirm, forms, the unit/member picker, filters, help, import/export pieces."""
