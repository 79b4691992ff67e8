SELECT c.relrowsecurity AND c.relforcerowsecurity AND EXISTS (
    SELECT 1 FROM pg_policies p
    WHERE p.schemaname = 'public' AND p.tablename = 'documents'
      AND p.policyname = 'buildamp_tenant_isolation' AND p.cmd = 'ALL'
      AND p.qual = '(host = NULLIF(current_setting(''buildamp.host''::text, true), ''''::text))'
      AND p.with_check = '(host = NULLIF(current_setting(''buildamp.host''::text, true), ''''::text))'
)
FROM pg_class c WHERE c.oid = 'public.documents'::regclass
