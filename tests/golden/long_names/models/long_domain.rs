#[derive(BuildAmpDomain)]
#[table(name = "a_very_long_table_name_that_goes_on_and_on_for_a_while")]
pub struct LongOne {
    pub id: String,
    #[migration(index = true)]
    pub an_extremely_long_column_name_to_overflow_the_limit: String,
    #[migration(index = true)]
    pub an_extremely_long_column_name_to_overflow_the_limit2: String,
    #[migration(unique = true)]
    pub another_extremely_long_column_name_for_a_constraint: String,
}
