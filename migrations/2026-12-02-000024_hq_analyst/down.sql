ALTER TABLE users DROP CONSTRAINT users_role_check;
ALTER TABLE users ADD CONSTRAINT users_role_check
    CHECK (role IN ('focal_point', 'head_of_delegation', 'eusr_reviewer', 'admin'));
ALTER TABLE grant_requests DROP CONSTRAINT grant_requests_role_check;
ALTER TABLE grant_requests ADD CONSTRAINT grant_requests_role_check
    CHECK (role IN ('focal_point', 'head_of_delegation', 'eusr_reviewer', 'admin'));
