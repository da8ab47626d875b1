DROP TABLE object_custom_field_values;
DROP TABLE custom_field_values;
DROP TABLE object_custom_fields;
DROP TABLE custom_fields;
