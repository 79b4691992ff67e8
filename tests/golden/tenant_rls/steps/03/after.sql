SELECT NOT c.relrowsecurity AND NOT c.relforcerowsecurity AND NOT EXISTS (
    SELECT 1 FROM pg_policies p WHERE p.schemaname = 'public' AND p.tablename = 'documents'
)
FROM pg_class c WHERE c.oid = 'public.documents'::regclass
