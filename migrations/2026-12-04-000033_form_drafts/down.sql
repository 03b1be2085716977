DROP TABLE form_drafts;
