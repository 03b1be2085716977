// @generated automatically by Diesel CLI.

diesel::table! {
    delegations (code) {
        code -> Text,
        name -> Text,
        #[max_length = 2]
        country -> Nullable<Bpchar>,
        time_zone -> Text,
        weekend_days -> Array<Nullable<Int2>>,
        created_at -> Timestamptz,
    }
}
